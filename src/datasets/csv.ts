import { EdgelatError } from "../errors.js";

/**
 * Parses RFC-4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings. The first row is the header.
 */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const rows: string[][] = [];
  let field = "";
  let row: string[] = [];
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else inQuotes = false;
      } else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); field = "";
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
    } else field += c;
  }
  if (inQuotes) throw new EdgelatError("invalid_json", "CSV ends inside a quoted field");
  if (field !== "" || row.length > 0) { row.push(field); rows.push(row); }
  const header = rows.shift();
  if (header === undefined) throw new EdgelatError("invalid_json", "CSV is empty");
  return { header, rows };
}

/** CSV rows as objects keyed by header names. */
export function csvRecords(text: string): Record<string, string>[] {
  const { header, rows } = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}
