/* global document, location, fetch, FormData, URLSearchParams */
// A minimal client of the microblog API, written like the course's frontend: api-key header, multipart
// media upload, JSON tweets, feed rendering with <img> attachments. Settings come from the query string.
const params = new URLSearchParams(location.search);
const api = params.get('api');
const key = params.get('key');
const followId = Number(params.get('follow'));
const status = document.getElementById('status');

async function call(method, path, body) {
  const init = { method, headers: { 'api-key': key } };
  if (body instanceof FormData) init.body = body;
  else if (body) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(api + path, init);
  const json = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${json.error_type}: ${json.error_message}`);
  return { status: res.status, json };
}

async function loadFeed() {
  const { json } = await call('GET', '/microblog/api/tweets');
  const feed = document.getElementById('feed');
  feed.replaceChildren();
  for (const t of json.tweets) {
    const el = document.createElement('article');
    el.className = 'tweet';
    el.dataset.id = String(t.id);
    const p = document.createElement('p');
    p.textContent = `${t.author.name}: ${t.content}`;
    el.append(p);
    for (const url of t.attachments) {
      const img = document.createElement('img');
      img.src = url.startsWith('http') ? url : api + url;
      img.alt = 'attachment';
      el.append(img);
    }
    const like = document.createElement('button');
    like.className = 'like';
    like.textContent = `Like (${t.likes.length})`;
    like.onclick = async () => {
      await call('POST', `/microblog/api/tweets/${t.id}/likes`);
      await loadFeed();
    };
    el.append(like);
    feed.append(el);
  }
}

document.getElementById('compose').onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    const ids = [];
    const file = document.getElementById('image').files[0];
    if (file) {
      const form = new FormData();
      form.append('file', file);
      ids.push((await call('POST', '/microblog/api/medias', form)).json.media_id);
    }
    const text = document.getElementById('text').value;
    await call('POST', '/microblog/api/tweets', { tweet_data: text, tweet_media_ids: ids });
    status.textContent = 'posted';
    await loadFeed();
  } catch (err) {
    status.textContent = String(err);
  }
};

document.getElementById('follow').onclick = async () => {
  try {
    const { status: code } = await call('POST', `/microblog/api/users/${followId}/follow`);
    status.textContent = `followed ${code}`;
  } catch (err) {
    status.textContent = String(err);
  }
};

loadFeed().catch((err) => (status.textContent = String(err)));
