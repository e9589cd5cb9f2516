import { describe, expect, it } from 'vitest';
import { htmlToText, renderMessage } from './notifications.render.js';

describe('notification rendering', () => {
  it('gives the plain-text part every character the HTML escapes stand for', () => {
    expect(
      htmlToText('<p>It&#39;s &#34;quoted&#34; Tom &amp; Jerry &lt;3 &#x27;x&#x27; &quot;q&quot; &apos;a&apos;</p>'),
    ).toBe(`It's "quoted" Tom & Jerry <3 'x' "q" 'a'`);
    // Unknown names and impossible code points stay as written.
    expect(htmlToText('&bogus; &#0; &#xD800; &#1114112;')).toBe('&bogus; &#0; &#xD800; &#1114112;');
  });

  it('stops a render whose recipient data makes it too large or too long, with a bounded error', async () => {
    const loop = { subject: 's', body: '{% for w in words %}{% for i in (1..1000) %}{{ w }}{% endfor %}{% endfor %}' };
    await expect(renderMessage(loop, { words: Array.from({ length: 5000 }, () => 'word') })).rejects.toThrow(
      /limit exceeded/,
    );
    const ok = await renderMessage(loop, { words: ['a', 'b'] });
    expect(ok.html).toHaveLength(2000);
  });

  it('reads only the values’ own properties', async () => {
    const out = await renderMessage(
      { subject: '{{ username.constructor }}|{{ username.length }}', body: 'b' },
      {
        username: 'ann',
      },
    );
    expect(out.subject).not.toMatch(/function|String/);
  });
});
