/** The diagram as Mermaid flowchart text (renders on GitHub and in most Markdown viewers). */
import { Diagram, clusters } from "./diagram";

const quote = (text: string) => `"${text.replace(/"/g, "'").replace(/\n/g, "<br/>")}"`;

export function toMermaid(diagram: Diagram): string {
  const ids = new Map([...diagram.nodes.keys()].map((id, i) => [id, `n${i}`]));
  const lines = ["flowchart LR", `  %% ${diagram.title}`, ...diagram.legend.map((l) => `  %% ${l}`)];
  let group = 0;
  for (const [vpc, byAz] of clusters(diagram)) {
    const indent = vpc ? "    " : "  ";
    if (vpc) lines.push(`  subgraph g${group++}[${quote(vpc)}]`);
    for (const [az, places] of byAz) {
      if (az) lines.push(`${indent}subgraph g${group++}[${quote(az)}]`);
      for (const p of places) lines.push(`${indent}${az ? "  " : ""}${ids.get(p.id)}[${quote(p.label)}]`);
      if (az) lines.push(`${indent}end`);
    }
    if (vpc) lines.push("  end");
  }
  diagram.edges.forEach((e) => lines.push(`  ${ids.get(e.from)} ${e.back ? "-.->" : "-->"}|${e.label}| ${ids.get(e.to)}`));
  diagram.edges.forEach((e, i) => lines.push(`  linkStyle ${i} stroke:${e.color},color:${e.color}`));
  return `${lines.join("\n")}\n`;
}
