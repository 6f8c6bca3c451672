import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LabelInputError } from './label-errors.ts';
import type { ResidentRecord } from './resident-matcher.ts';

const rosterSchema = z.array(
  z
    .object({
      id: z.union([z.string().min(1), z.number()]).optional(),
      firstName: z.string().trim().min(1, 'firstName must not be empty'),
      lastName: z.string().trim().min(1, 'lastName must not be empty'),
      apartment: z.coerce.string().trim().min(1, 'apartment must not be empty'),
      active: z.boolean().optional(),
    })
    .passthrough(),
);

/**
 * A list of residents from a JSON or YAML file: `[{firstName, lastName, apartment}, …]`, as
 * exported from a property-management system. For trying the label reader without a database.
 */
export async function loadResidentRoster(file: string): Promise<ResidentRecord[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new LabelInputError(`${file}: cannot read the residents file (${error.code ?? error.message})`);
  });
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new LabelInputError(`${file}: not JSON or YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = rosterSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new LabelInputError(`${file}: not a list of residents${where}: ${issue.message}`);
  }
  return parsed.data.map((r, i) => ({
    id: r.id === undefined ? `${file}#${i + 1}` : String(r.id),
    firstName: r.firstName,
    lastName: r.lastName,
    apartment: r.apartment,
    ...(r.active === undefined ? {} : { active: r.active }),
  }));
}
