/** Plain-text formatting for the demo's summary: aligned tables, short addresses. */
import type { Address } from "viem";

/** `0xf39F…2266` */
export function short(address: string | null | undefined): string {
  if (address === null || address === undefined) return "-";
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** An aligned text table (first row is the header), each line indented by `indent` spaces. */
export function table(rows: readonly (readonly unknown[])[], indent = 4): string[] {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? "-" : String(cell))));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const pad = " ".repeat(indent);
  const lines = cells.map((row) => pad + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
  if (lines.length > 1) lines.splice(1, 0, pad + widths.map((w) => "─".repeat(w)).join("  "));
  return lines;
}

/** Lowercases an address (or null) for comparisons. */
export function lowerOrNull(address: Address | string | null | undefined): string | null {
  if (address === null || address === undefined) return null;
  return address.toLowerCase();
}
