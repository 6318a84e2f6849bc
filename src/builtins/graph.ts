// walk and graph.reachable / graph.reachable_paths.
import { ObjectValue, SetValue, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { ANY_ARRAY, ANY_SET, fn, obj, typeError } from "./args.ts";
import { T } from "./types.ts";

/** Every [path, value] pair in a document, parents before children, children in key order. */
function walk(root: Value): Value[] {
  const out: Value[] = [];
  const visit = (path: Value[], v: Value) => {
    out.push([path, v]);
    if (v instanceof ObjectValue) for (const [k, x] of v.entries()) visit([...path, k], x);
    else if (v instanceof SetValue) for (const x of v.values()) visit([...path, x], x);
    else if (Array.isArray(v)) v.forEach((x, i) => visit([...path, i], x));
  };
  visit([], root);
  return out;
}

/** Vertices listed by an array or a set; anything else lists none. */
function vertices(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof SetValue) return v.values();
  return [];
}

function initialVertices(args: Value[]): Value[] {
  const v = args[1]!;
  if (!Array.isArray(v) && !(v instanceof SetValue)) throw typeError(2, v, "set", "array");
  return vertices(v);
}

/** Breadth-first from the initial vertices; vertices absent from the graph are not reached. */
function reachable(args: Value[]): Value {
  const graph = obj(args, 0);
  const queue = [...initialVertices(args)];
  const reached = new SetValue();
  while (queue.length > 0) {
    const node = queue.shift()!;
    const edges = graph.get(node);
    if (edges === undefined || reached.has(node)) continue;
    reached.add(node);
    for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
  }
  return reached;
}

/**
 * The paths from each initial vertex, depth first, as OPA builds them: a path ends at a vertex
 * with no edges, before a neighbour outside the graph, or before a vertex already passed through
 * from the same start (which also ends cycles). Such vertices are marked only when followed to a
 * neighbour inside the graph, so a vertex whose only edges lead outside may end several paths.
 */
function reachablePaths(args: Value[]): Value {
  const graph = obj(args, 0);
  const paths = new SetValue();
  for (const start of initialVertices(args)) {
    if (graph.get(start) === undefined) continue;
    const reached = new SetValue();
    const extend = (node: Value, path: Value[]) => {
      const here = [...path, node];
      const edges = vertices(graph.get(node));
      if (edges.length === 0) paths.add(here);
      for (const n of edges) {
        if (reached.has(n) || graph.get(n) === undefined) paths.add(here);
        else {
          reached.add(node);
          extend(n, here);
        }
      }
    };
    extend(start, []);
  }
  return paths;
}

const GRAPH = T.objectOf(T.any, T.union(ANY_ARRAY, ANY_SET));
const VERTICES = T.union(ANY_ARRAY, ANY_SET);

export const GRAPHS: BuiltinDef[] = [
  {
    name: "walk",
    signature: fn([T.any], T.tuple(ANY_ARRAY, T.any)),
    impl: ([x]) => walk(x!),
    relation: true,
  },
  { name: "graph.reachable", signature: fn([GRAPH, VERTICES], ANY_SET), impl: reachable },
  { name: "graph.reachable_paths", signature: fn([GRAPH, VERTICES], T.setOf(ANY_ARRAY)), impl: reachablePaths },
];

