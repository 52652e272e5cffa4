/** The diagram as Graphviz DOT, which the job renders to SVG and PNG. */
import { Diagram, clusters } from "./diagram";

const quote = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

export function toDot(diagram: Diagram): string {
  const ids = new Map([...diagram.nodes.keys()].map((id, i) => [id, `n${i}`]));
  const font = 'fontname="DejaVu Sans"';
  const lines = [
    "digraph topology {",
    `  graph [rankdir=LR ${font} fontsize=12 labelloc=t label=${quote(`${diagram.title}\n${diagram.legend.join("\n")}`)} nodesep=0.3 ranksep=0.6];`,
    `  node [shape=box style="rounded,filled" fillcolor="#f7f7f7" ${font} fontsize=10];`,
    `  edge [${font} fontsize=9 arrowsize=0.7];`,
  ];
  let group = 0;
  for (const [vpc, byAz] of clusters(diagram)) {
    if (vpc) lines.push(`  subgraph cluster_${group++} { label=${quote(vpc)}; style=rounded; color="#888888";`);
    for (const [az, places] of byAz) {
      if (az) lines.push(`    subgraph cluster_${group++} { label=${quote(az)}; style="dashed,rounded"; color="#bbbbbb";`);
      for (const p of places) lines.push(`      ${ids.get(p.id)} [label=${quote(p.label)}${p.id === "internet" ? " shape=ellipse" : ""}];`);
      if (az) lines.push("    }");
    }
    if (vpc) lines.push("  }");
  }
  for (const e of diagram.edges) {
    lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)} [label=${quote(e.label)} color="${e.color}" fontcolor="${e.color}"${e.back ? " style=dashed" : ""}];`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
