import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Markdown from workflow files and run outputs is rendered safely in two layers:
 * raw HTML inside the Markdown is shown as text (never parsed as markup), and the
 * HTML marked produces is passed through DOMPurify (which drops `javascript:` links and
 * anything else unsafe). The server's CSP, which allows no inline script, is a third.
 */
const markdown = new Marked({
  gfm: true,
  renderer: {
    html: (token) => escapeHtml(token.text),
    // A readme's "# Title" sits under the page's own headings: shift levels down by two.
    heading(token) {
      const level = Math.min(token.depth + 2, 6);
      return `<h${level}>${this.parser.parseInline(token.tokens)}</h${level}>\n`;
    },
  },
});

export function renderSafeHtml(html: string): string {
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'iframe'] });
}

export function Markdown({ source, class: className = 'markdown' }: { source: string; class?: string }) {
  const html = renderSafeHtml(markdown.parse(source, { async: false }));
  return <div class={className} dangerouslySetInnerHTML={{ __html: html }} />;
}

/** HTML output of a run (outputType html): sanitized by DOMPurify before it reaches the page. */
export function SafeHtml({ html }: { html: string }) {
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: renderSafeHtml(html) }} />;
}
