// The one error type of src/bundle: a malformed, hostile, tampered or unverifiable bundle.
// `file` names the bundle member at fault when there is one; the message always says why.

export class BundleError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file !== undefined ? `${file}: ${message}` : message);
    this.name = "BundleError";
  }
}
