import type { ComponentChildren, JSX } from 'preact';
import { navigate } from '../router.js';

/** An ordinary link (middle-click, copy address work) that navigates without reloading. */
export function Link(props: { href: string; children: ComponentChildren; class?: string } & Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const { href, children, ...rest } = props;
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
