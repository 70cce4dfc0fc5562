// @vitest-environment happy-dom
/** The composer counts characters as the server does (code points), so an emoji is one. */
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import MessageComposer from '../components/MessageComposer.vue';
import { button, byLabel } from './helpers';

const EMOJI = '😀';

describe('MessageComposer character counter', () => {
  it('counts 2,100 emoji as 2100 characters, within the limit', async () => {
    const wrapper = mount(MessageComposer, { props: { maxLength: 4000 } });
    await byLabel(wrapper, 'Message').setValue(EMOJI.repeat(2100));
    expect(wrapper.find('.composer-hint').text()).toBe('Enter to send, Shift+Enter for a new line');
    expect(button(wrapper, 'Send').element.disabled).toBe(false);
    await byLabel(wrapper, 'Message').setValue(EMOJI.repeat(3300));
    expect(wrapper.find('.composer-hint').text()).toBe('3300 / 4000 characters');
    wrapper.unmount();
  });

  it('refuses 4001 emoji and says how many to remove', async () => {
    const wrapper = mount(MessageComposer, { props: { maxLength: 4000 } });
    await byLabel(wrapper, 'Message').setValue(EMOJI.repeat(4001));
    expect(wrapper.find('.composer-hint').text()).toBe('Too long: 4001 / 4000 characters. Remove 1 to send.');
    expect(button(wrapper, 'Send').element.disabled).toBe(true);
    wrapper.unmount();
  });
});
