import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { checkLayout } from './layout-checks.ts';
import { formatIssue, formatPath, LayoutError, type LayoutIssue } from './layout-issues.ts';
import { layoutSchema, type RoomLayout } from './layout-schema.ts';
import { listSlots } from './room-model.ts';

export interface LayoutSummary {
  roomId: string;
  units: number;
  levels: number;
  slots: number;
  cameras: number;
  strobeZones: number;
  locator: boolean;
}

export interface LayoutCheckResult {
  source: string;
  /** True when there is no error; warnings alone do not fail a layout. */
  ok: boolean;
  issues: LayoutIssue[];
  layout?: RoomLayout;
  summary?: LayoutSummary;
}

/** Parses and validates layout text (YAML, or JSON which YAML reads too). Never throws. */
export function parseLayout(text: string, source: string): LayoutCheckResult {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map<LayoutIssue>((error) => ({
      path: '',
      message: `not valid YAML: ${error.message.split('\n')[0]}`,
      severity: 'error',
      ...(error.linePos?.[0] ? { line: error.linePos[0].line } : {}),
    }));
    return { source, ok: false, issues };
  }
  const raw: unknown = document.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      source,
      ok: false,
      issues: [
        {
          path: '',
          message: 'a layout file must be a mapping with version, room, units, cameras…',
          severity: 'error',
        },
      ],
    };
  }

  const lineOf = (path: ReadonlyArray<PropertyKey>): number | undefined => {
    // Walk up until a node of the path exists in the document (a missing key has no line).
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };

  const parsed = layoutSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => toIssue(issue, lineOf));
    return { source, ok: false, issues };
  }

  const issues = checkLayout(parsed.data).map((issue) => {
    const line = lineOf(pathFromString(issue.path));
    return line ? { ...issue, line } : issue;
  });
  const layout = parsed.data;
  return {
    source,
    ok: !issues.some((i) => i.severity === 'error'),
    issues,
    layout,
    summary: {
      roomId: layout.room.id,
      units: layout.units.length,
      levels: layout.units.reduce((n, u) => n + u.levels.length, 0),
      slots: listSlots(layout).length,
      cameras: layout.cameras.length,
      strobeZones: layout.strobeZones.length,
      locator: layout.locator !== undefined,
    },
  };
}

function toIssue(
  issue: z.core.$ZodIssue,
  lineOf: (path: ReadonlyArray<PropertyKey>) => number | undefined,
): LayoutIssue {
  let path = issue.path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    message = `missing (${issue.expected} expected)`;
  } else if (issue.code === 'invalid_key') {
    // A bad record key (e.g. a slot id) is reported at the key itself.
    path = [...issue.path];
    message = issue.issues[0]?.message ?? message;
  }
  const line = lineOf(path);
  return { path: formatPath(path), message, severity: 'error', ...(line ? { line } : {}) };
}

function pathFromString(path: string): PropertyKey[] {
  const keys: PropertyKey[] = [];
  for (const part of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (part[2] !== undefined) keys.push(Number(part[2]));
    else if (part[1] !== undefined) keys.push(part[1]);
  }
  return keys;
}

export async function checkLayoutFile(file: string): Promise<LayoutCheckResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? (error as Error).message})`;
    return { source: file, ok: false, issues: [{ path: '', message, severity: 'error' }] };
  }
  return parseLayout(text, file);
}

/** Reads and validates a layout; throws LayoutError listing every error. */
export async function loadLayoutFile(file: string): Promise<RoomLayout> {
  const result = await checkLayoutFile(file);
  if (!result.ok || !result.layout) throw new LayoutError(file, result.issues);
  return result.layout;
}

/** What `parcelroom layout check` prints. */
export function formatLayoutReport(result: LayoutCheckResult): string {
  const lines = result.issues.map((issue) => formatIssue(result.source, issue));
  const errors = result.issues.filter((i) => i.severity === 'error').length;
  const warnings = result.issues.length - errors;
  if (result.ok && result.summary) {
    const s = result.summary;
    lines.push(
      `${result.source}: ok — room ${s.roomId}: ${s.units} units, ${s.levels} levels, ${s.slots} slots, ${s.cameras} cameras, ${s.strobeZones} strobe zones, ${s.locator ? 'a locator' : 'no locator'}${warnings ? `; ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
    );
  } else {
    lines.push(
      `${result.source}: ${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
    );
  }
  return lines.join('\n');
}
