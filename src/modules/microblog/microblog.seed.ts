import { Readable } from 'node:stream';
import { crc32, deflateSync } from 'node:zlib';
import type { IdentityApi } from '../identity/index.js';
import type { MicroblogService } from './microblog.service.js';

const chunk = (type: string, data: Buffer) => {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
};

/** A small striped PNG made in code, so demo tweets have real images without shipping binaries. */
export function demoPng(rgb: [number, number, number], size = 96): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const shade = (Math.floor((x + y) / 12) % 2) * 60;
      rows.set(
        rgb.map((v) => Math.max(0, v - shade)),
        y * (size * 3 + 1) + 1 + x * 3,
      );
    }
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const PEOPLE = ['mb_ada', 'mb_linus', 'mb_grace', 'mb_alan'];
const POSTS = [
  'Shipped the new build pipeline today — 40% faster.',
  'Reminder: retro at 4pm, bring ideas!',
  'Who else is at the offsite next week?',
  'Coffee machine on floor 3 is fixed 🎉',
  'Reading group: this week we discuss chapter 5.',
];

/** Demo data (development demo mode only): a user whose api key is literally `test`, friends, tweets, likes, images. */
export async function seedMicroblog(identity: IdentityApi, service: MicroblogService): Promise<string[]> {
  if (await identity.service.hasApiKey('test')) return [];
  const main = await identity.demoUser('microblog', { email: 'microblog@agora.local' });
  await identity.service.createApiKey(main.id, 'demo', { secret: 'test' });
  const actorOf = (u: { id: string; username: string }) =>
    service.profileOf({ userId: u.id, username: u.username } as Parameters<MicroblogService['profileOf']>[0]);
  const users = [main];
  for (const name of PEOPLE) users.push(await identity.demoUser(name));
  const everyone = await Promise.all(users.map(actorOf));
  const [me, ...profiles] = everyone as [Awaited<ReturnType<typeof actorOf>>, ...Awaited<ReturnType<typeof actorOf>>[]];
  const colours: [number, number, number][] = [
    [230, 120, 60],
    [60, 140, 230],
    [90, 200, 120],
  ];
  const tweets: number[] = [];
  for (const [i, p] of everyone.entries()) {
    const png = Readable.from([demoPng(colours[i % colours.length]!)]);
    const media = i < colours.length ? [await service.uploadMedia(p.id, users[i]!.id, `demo-${i}.png`, png)] : [];
    tweets.push(await service.createTweet(p.id, POSTS[i % POSTS.length]!, media));
  }
  for (const p of profiles.slice(0, 3)) await service.follow(me.id, p.id);
  for (const p of profiles) await service.follow(p.id, me.id);
  for (const [i, t] of tweets.entries()) {
    for (const p of everyone.slice(0, tweets.length - i)) await service.like(p.id, t);
  }
  return [`microblog: api-key "test" (user microblog) with ${tweets.length} tweets from ${profiles.length + 1} users`];
}
