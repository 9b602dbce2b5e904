import { Marked, type Tokens } from 'marked';
import { anchorOf } from './markdown.js';

/** The page may show its own inline styles and data images; it runs no script and loads nothing. */
export const htmlPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] as string);
}

/** Links the page may carry: the web, mail and anchors in the page (never `javascript:` or `data:`). */
function safeHref(href: string): string | null {
  const trimmed = href.trim();
  if (trimmed.startsWith('#')) return trimmed;
  try {
    const url = new URL(trimmed);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Markdown → HTML where the installation's descriptions are text: raw HTML in them is shown, not run;
 * links go only to the web, mail or the page itself; images from elsewhere become their alt text (the page is
 * one file that fetches nothing). Headings get the same anchors GitHub gives the Markdown file.
 */
function renderer(): Marked {
  return new Marked({
    gfm: true,
    renderer: {
      html({ text }: Tokens.HTML | Tokens.Tag) {
        return escapeHtml(text);
      },
      heading({ tokens, depth }: Tokens.Heading) {
        const inner = this.parser.parseInline(tokens);
        const plain = this.parser.parseInline(tokens, this.parser.textRenderer);
        return `<h${depth} id="${escapeHtml(anchorOf(plain))}">${inner}</h${depth}>\n`;
      },
      link({ href, title, tokens }: Tokens.Link) {
        const inner = this.parser.parseInline(tokens);
        const safe = safeHref(href);
        if (!safe) return inner;
        const titled = title ? ` title="${escapeHtml(title)}"` : '';
        return `<a href="${escapeHtml(safe)}"${titled}>${inner}</a>`;
      },
      image({ href, text }: Tokens.Image) {
        if (href.startsWith('data:image/') && !href.startsWith('data:image/svg')) {
          return `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}">`;
        }
        return escapeHtml(text);
      },
    },
  });
}

const style = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a; --line: #d0d7de; --code: #f6f8fa; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9da7b3; --line: #30363d; --code: #161b22; --accent: #58a6ff; } }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .3rem; margin-top: 2.5rem; }
h3 { margin-top: 2rem; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 1.05rem; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .875rem; background: var(--code); border-radius: 4px; }
code { padding: .1rem .3rem; } pre { padding: .75rem 1rem; overflow: auto; } pre code { padding: 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: .35rem .6rem; text-align: left; vertical-align: top; }
nav ul { columns: 2; } @media (max-width: 40rem) { nav ul { columns: 1; } }
`;

/** One self-contained HTML page of the Markdown reference: inline style, no script, nothing fetched. */
export function htmlOf(markdown: string, title: string): string {
  const body = renderer().parse(markdown, { async: false });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${htmlPolicy}">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<main>
${body}</main>
</body>
</html>
`;
}
