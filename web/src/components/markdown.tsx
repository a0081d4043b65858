import DOMPurify from 'dompurify';
import { marked } from 'marked';

/**
 * Markdown from a workflow file, rendered safely: marked turns it into HTML and
 * DOMPurify removes scripts, event handlers and javascript: links before it reaches
 * the page (and the server's CSP blocks inline scripts as a second line).
 */
export function renderSafeHtml(html: string): string {
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'iframe'] });
}

export function Markdown({ source, class: className = 'markdown' }: { source: string; class?: string }) {
  const html = renderSafeHtml(marked.parse(source, { async: false, gfm: true }) as string);
  return <div class={className} dangerouslySetInnerHTML={{ __html: html }} />;
}

/** HTML output of a run (outputType html), sanitized the same way. */
export function SafeHtml({ html }: { html: string }) {
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: renderSafeHtml(html) }} />;
}
