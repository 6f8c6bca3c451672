import { byId } from './element-builder.ts';
import { api, messageOf } from './staff-api.ts';

/** A form's filled-in fields, trimmed; empty ones are left out so the server's defaults apply. */
export function formBody(form: HTMLFormElement): Record<string, string> {
  const body: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) if (String(value).trim()) body[name] = String(value).trim();
  return body;
}

/** Sends a form to `path` on submit; the server's refusal goes into the form's error line. */
export function submitForm(formId: string, errorId: string, path: string, after: () => unknown): void {
  const form = byId<HTMLFormElement>(formId);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    byId(errorId).textContent = '';
    try {
      await api('POST', path, formBody(form));
      form.reset();
      after();
    } catch (error) {
      byId(errorId).textContent = messageOf(error);
    }
  });
}
