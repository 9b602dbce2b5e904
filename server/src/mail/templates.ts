import type { MailMessage } from './mailer.js';

/** Mail templates stored in the config table as `<template>_subject` and `<template>_body`. */
export type MailTemplate = 'mail_register' | 'mail_register_exists' | 'mail_pw_reset';

export interface MailParameters {
  name: string;
  email: string;
  token?: string;
  apps_url: string;
}

export interface TemplateSource {
  string(name: string): string;
}

const placeholder = /\{(name|email|token|apps_url)\}/g;

/**
 * Fills `{name}`, `{email}`, `{token}` and `{apps_url}` in one pass, so a value that itself looks
 * like a placeholder (a user named "{token}") is never expanded.
 */
export function fillTemplate(template: string, parameters: MailParameters): string {
  return template.replace(placeholder, (match, key: keyof MailParameters) => parameters[key] ?? match);
}

export function renderMail(settings: TemplateSource, template: MailTemplate, parameters: MailParameters): MailMessage {
  return {
    to: parameters.email,
    subject: fillTemplate(settings.string(`${template}_subject`), parameters),
    text: fillTemplate(settings.string(`${template}_body`), parameters),
  };
}

/** Where the developer portal lives; links in mails point there. */
export function appsUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/apps`;
}
