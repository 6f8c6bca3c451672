import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NotificationTemplate, notificationTemplates } from './notification-payloads.ts';
import {
  type CompiledTemplate,
  compileTemplate,
  TemplateError,
  type TemplateValues,
} from './text-template.ts';

export const defaultTemplatesDir = fileURLToPath(new URL('./templates/', import.meta.url));

/** Values every template may use; each template adds its own. */
const commonNames = [
  'firstName',
  'lastName',
  'apartment',
  'roomName',
  'shelfWords',
  'slotId',
  'carrier',
  'trackingNumber',
  'hasPhoto',
  'photoUrl',
  'photoLinkExpires',
] as const;

const templateNames: Record<NotificationTemplate, readonly string[]> = {
  package_placed: [...commonNames, 'pin', 'placedAt'],
  package_reminder: [...commonNames, 'daysWaiting', 'reminderNumber'],
  package_picked_up: [...commonNames, 'pickedUpAt'],
};

export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

export interface MessageTemplates {
  email(template: NotificationTemplate, values: TemplateValues): EmailContent;
  sms(template: NotificationTemplate, values: TemplateValues): string;
}

interface TemplateSet {
  subject: CompiledTemplate;
  text: CompiledTemplate;
  html: CompiledTemplate;
  sms: CompiledTemplate;
}

/**
 * Reads `<template>.email.txt` (first line `Subject: …`), `<template>.email.html` and
 * `<template>.sms.txt` for every template and checks that each placeholder is one the
 * template is given, so a broken template stops the start instead of a message.
 */
export function loadMessageTemplates(dir: string = defaultTemplatesDir): MessageTemplates {
  const sets = new Map<NotificationTemplate, TemplateSet>();
  for (const template of notificationTemplates) {
    const read = (suffix: string) => {
      const file = join(dir, `${template}.${suffix}`);
      try {
        return { file, source: readFileSync(file, 'utf8') };
      } catch (error) {
        throw new TemplateError(
          `cannot read template ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
        );
      }
    };
    const textFile = read('email.txt');
    const subjectLine = /^Subject:[ \t]*(.*)\r?\n(\r?\n)?/.exec(textFile.source);
    if (!subjectLine) {
      throw new TemplateError(`${textFile.file}:1: must start with a "Subject: …" line and a blank line`);
    }
    const htmlFile = read('email.html');
    const smsFile = read('sms.txt');
    const set: TemplateSet = {
      subject: compileTemplate(subjectLine[1]!, { file: textFile.file, escape: 'none' }),
      text: compileTemplate(textFile.source.slice(subjectLine[0].length), {
        file: textFile.file,
        escape: 'none',
      }),
      html: compileTemplate(htmlFile.source, { file: htmlFile.file, escape: 'html' }),
      sms: compileTemplate(smsFile.source.trim(), { file: smsFile.file, escape: 'none' }),
    };
    const allowed = new Set(templateNames[template]);
    for (const part of Object.values(set)) {
      for (const name of part.names) {
        if (!allowed.has(name)) {
          throw new TemplateError(
            `${part.file}: {{${name}}} is not a value of ${template}; it has ${[...allowed].join(', ')}`,
          );
        }
      }
    }
    sets.set(template, set);
  }

  // A template may leave a value out, but rendering needs every name defined.
  const complete = (template: NotificationTemplate, values: TemplateValues): TemplateValues => {
    const all: Record<string, unknown> = {};
    for (const name of templateNames[template]) all[name] = values[name] ?? null;
    return all as TemplateValues;
  };

  return {
    email(template, values) {
      const set = sets.get(template)!;
      const v = complete(template, values);
      return {
        subject: set.subject.render(v).replace(/\s+/g, ' ').trim(),
        html: set.html.render(v),
        text: set.text.render(v),
      };
    },
    sms(template, values) {
      return sets.get(template)!.sms.render(complete(template, values)).replace(/\s+/g, ' ').trim();
    },
  };
}
