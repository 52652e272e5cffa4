/**
 * Writes the picture: Mermaid text, Graphviz text, and SVG and PNG rendered here, offline, by
 * Graphviz compiled to WebAssembly (@viz-js/viz) and resvg (@resvg/resvg-js). No browser.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { instance } from "@viz-js/viz";
import { Diagram } from "./diagram";
import { toDot } from "./dot";
import { toMermaid } from "./mermaid";

export interface Drawing { readonly mermaid: string; readonly dot: string; readonly svg: string; readonly png: string }

export async function renderSvg(dot: string): Promise<string> {
  const viz = await instance();
  return viz.renderString(dot, { format: "svg", engine: "dot" });
}

export function svgToPng(svg: string, width = 2400): Buffer {
  const resvg = new Resvg(svg, { fitTo: { mode: "width", value: width }, background: "white", font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } });
  return resvg.render().asPng();
}

/** Writes topology.{mmd,dot,svg,png} into `outDir`; returns their paths. */
export async function drawDiagram(diagram: Diagram, outDir: string): Promise<Drawing> {
  fs.mkdirSync(outDir, { recursive: true });
  const files = { mermaid: "topology.mmd", dot: "topology.dot", svg: "topology.svg", png: "topology.png" };
  const dot = toDot(diagram);
  const svg = await renderSvg(dot);
  fs.writeFileSync(path.join(outDir, files.mermaid), toMermaid(diagram));
  fs.writeFileSync(path.join(outDir, files.dot), dot);
  fs.writeFileSync(path.join(outDir, files.svg), svg);
  fs.writeFileSync(path.join(outDir, files.png), svgToPng(svg));
  return Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.join(outDir, f)])) as unknown as Drawing;
}
