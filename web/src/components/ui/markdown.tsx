import { Typography } from '@mantine/core';
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';
import classes from './markdown.module.css';

// links out of the portal open without telling the other site where the reader came from
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  // a code block wider than the screen scrolls: the keyboard must reach it too
  if (node.tagName === 'PRE') node.setAttribute('tabindex', '0');
  if (node.tagName === 'A' && node.getAttribute('href')?.match(/^https?:/)) {
    const href = new URL(node.getAttribute('href') as string, window.location.href);
    if (href.origin !== window.location.origin) node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Markdown from the Page API, rendered through DOMPurify: page content never runs script. */
export function Markdown({ source }: { source: string }) {
  const html = useMemo(
    () => DOMPurify.sanitize(marked.parse(source, { async: false, gfm: true }), { USE_PROFILES: { html: true } }),
    [source],
  );
  return (
    <Typography className={classes.markdown}>
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify above */}
      <div dangerouslySetInnerHTML={{ __html: html }} />
    </Typography>
  );
}
