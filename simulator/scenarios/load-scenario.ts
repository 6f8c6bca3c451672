import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type Scenario, scenarioSchema } from './scenario-schema.ts';
import { ScenarioError } from './timeline.ts';

export const bundledScenariosDir = fileURLToPath(new URL('./library', import.meta.url));

const pathText = (path: ReadonlyArray<PropertyKey>) =>
  path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );

/** Parses scenario text (YAML or JSON); throws ScenarioError naming every bad field. */
export function parseScenario(text: string, source: string): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ScenarioError(source, [
      { path: '(file)', message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` },
    ]);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ScenarioError(
      source,
      parsed.error.issues.map((issue) => ({
        path: pathText(issue.path) || '(file)',
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}

export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(file, [
      { path: '(file)', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? error}` },
    ]);
  }
  return parseScenario(text, file);
}

/** The scenarios that ship with Parcelroom, by name. */
export async function listBundledScenarios(): Promise<Array<{ name: string; file: string }>> {
  const files = (await readdir(bundledScenariosDir)).filter((f) => f.endsWith('.yaml')).sort();
  return files.map((f) => ({ name: basename(f, '.yaml'), file: join(bundledScenariosDir, f) }));
}
