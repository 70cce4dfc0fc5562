/**
 * A message's text with its http(s) and mailto links clickable. Built from text and anchor
 * segments (linkify.ts), never from HTML, so a message cannot inject markup. A click asks the shell
 * to open the link outside the app; target/rel cover a middle click, which the shell also routes.
 *
 * A functional component (no instance, no reactive state): every chat row that scrolls into view
 * has one, and a stateful component's setup cost more than the text it shows.
 */
import { h, type FunctionalComponent } from 'vue';
import { linkify } from '../linkify';
import { openLink } from '../shell';

function open(event: MouseEvent, href: string): void {
  event.preventDefault();
  void openLink(href);
}

const MessageText: FunctionalComponent<{ text: string }> = (props) =>
  h(
    'span',
    { class: 'text', dir: 'auto' },
    linkify(props.text).map((segment) =>
      segment.kind === 'link'
        ? h(
            'a',
            {
              class: 'message-link',
              href: segment.href,
              target: '_blank',
              rel: 'noopener noreferrer',
              onClick: (event: MouseEvent) => open(event, segment.href),
            },
            segment.text,
          )
        : segment.text,
    ),
  );
MessageText.props = ['text'];

export default MessageText;
