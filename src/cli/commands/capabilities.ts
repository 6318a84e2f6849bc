import type { Command } from "../command.ts";
import { capabilities } from "../../builtins/capabilities.ts";

export const capabilitiesCommand: Command = {
  summary: "print Warden's built-ins in OPA's capabilities JSON form",
  usage:
    "warden capabilities\n\n" +
    "Prints {\"builtins\": [{\"name\", \"decl\", ...}], \"future_keywords\", \"wasm_abi_versions\", \"features\"}\n" +
    "as `opa capabilities` does, for tools that check a policy against what an engine offers.\n" +
    "test/builtins/capabilities.test.ts compares it with OPA v1's own file.",
  options: {},
  async run() {
    console.log(JSON.stringify(capabilities(), null, 2));
    return 0;
  },
};
