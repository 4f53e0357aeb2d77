// The demo page: vanilla JavaScript against the API (same origin). State lives in localStorage.
const $ = (id) => document.getElementById(id);
let session = JSON.parse(localStorage.getItem('moviereco.session') || 'null');

async function api(path, options = {}) {
  const headers = { 'content-type': 'application/json', ...(session ? { authorization: `Bearer ${session.token}` } : {}) };
  const res = await fetch(path, { ...options, headers });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401 && session) {
    // the token ended (expired, or signed by an API process since restarted): sign in again
    signOut();
    throw new Error('your sign-in has ended; sign in again');
  }
  if (!res.ok) throw new Error(body.error?.message || `${res.status} ${res.statusText}`);
  return body;
}

function showError(error) {
  const el = $('error');
  el.textContent = error instanceof Error ? error.message : String(error);
  el.hidden = false;
  setTimeout(() => (el.hidden = true), 6000);
}

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
};

function rateControl(movieId) {
  const select = el(
    'select',
    { 'aria-label': 'rating', 'data-testid': `rating-${movieId}` },
    ...[5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5].map((r) => el('option', { value: r }, `${r}★`)),
  );
  select.value = '4';
  const button = el('button', { type: 'button', 'data-testid': `rate-${movieId}`, onclick: () => rate(movieId, Number(select.value)) }, 'Rate');
  return el('span', { class: 'rate' }, select, button);
}

function movieItem(m, extra = []) {
  const year = m.year ? ` (${m.year})` : '';
  return el(
    'li',
    { 'data-movie': m.movieId },
    el('span', { class: 'title', onclick: () => openMovie(m.movieId) }, `${m.title.replace(/ \(\d{4}\)$/, '')}${year}`),
    ' ',
    el('span', { class: 'sub' }, m.genres.join(', ')),
    ...extra,
    session ? rateControl(m.movieId) : '',
  );
}

async function loadRecommendations() {
  if (!session) return undefined;
  const genre = $('rec-genre').value;
  const recs = await api(`/users/${session.userId}/recommendations?limit=10${genre ? `&genre=${encodeURIComponent(genre)}` : ''}`);
  const meta = $('recs-meta');
  meta.replaceChildren(
    el('span', { class: `badge ${recs.source}`, 'data-testid': 'source' }, recs.source),
    ` model ${recs.modelVersion ?? '(none yet)'}`,
    recs.computedAt ? ` · computed ${new Date(recs.computedAt).toLocaleTimeString()}` : '',
  );
  $('recs').replaceChildren(
    ...recs.items.map((m) =>
      movieItem(m, [
        m.score !== null ? el('span', { class: 'sub' }, ` · ${m.score.toFixed(2)}`) : '',
        el('button', { type: 'button', class: 'why', onclick: (e) => why(m.movieId, e.target) }, 'why?'),
      ]),
    ),
  );
  return recs;
}

async function why(movieId, button) {
  try {
    const x = await api(`/users/${session.userId}/recommendations/${movieId}/explanation`);
    button.replaceWith(
      el('span', { class: 'sub' }, x.because.length ? ` · like ${x.because.map((b) => `${b.title} (${b.rating}★)`).join(', ')}` : ' · (no close rated movie)'),
    );
  } catch (e) {
    showError(e);
  }
}

async function loadRatings() {
  if (!session) return;
  const { ratings } = await api(`/users/${session.userId}/ratings`);
  $('ratings').replaceChildren(
    ...ratings
      .slice(0, 20)
      .map((r) =>
        el(
          'li',
          { 'data-movie': r.movieId },
          `${r.title ?? r.movieId}: ${r.rating}★ `,
          el(
            'button',
            { type: 'button', class: 'link', title: 'remove this rating', 'data-testid': `unrate-${r.movieId}`, onclick: () => unrate(r.movieId) },
            'remove',
          ),
        ),
      ),
  );
}

const signature = (recs) => `${recs?.source}|${recs?.modelVersion}|${recs?.computedAt}|${recs?.items.map((i) => i.movieId).join(',')}`;

/** Sends a change of the user's ratings, then waits for the speed layer's new row and says how long it took. */
async function changeRatings(send, what) {
  try {
    const before = signature(await loadRecommendations());
    const sent = performance.now();
    const { eventId } = await send();
    $('freshness').textContent = `${what}, event ${eventId}: waiting for the speed layer…`;
    let updated = false;
    for (let i = 0; i < 50 && !updated; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const recs = await loadRecommendations();
      // the batch row already hides the rated movie; the update we wait for is the speed layer's new row
      updated = recs?.source === 'speed' && signature(recs) !== before;
      if (updated) $('freshness').textContent = `recommendations updated ${Math.round(performance.now() - sent)} ms after you ${what}`;
    }
    if (!updated) $('freshness').textContent = `${what}: no speed-layer update within 10 s; showing the batch recommendations`;
    await loadRatings();
  } catch (e) {
    showError(e);
  }
}

const rate = (movieId, rating) =>
  changeRatings(() => api(`/users/${session.userId}/ratings`, { method: 'POST', body: JSON.stringify({ movieId, rating }) }), `rated ${movieId} (${rating}★)`);

const unrate = (movieId) => changeRatings(() => api(`/users/${session.userId}/ratings/${movieId}`, { method: 'DELETE' }), `removed your rating of ${movieId}`);

async function search(event) {
  event?.preventDefault();
  try {
    const q = $('query').value.trim();
    const genre = $('genre').value;
    const { total, movies } = await api(`/movies?limit=15&search=${encodeURIComponent(q)}${genre ? `&genre=${encodeURIComponent(genre)}` : ''}`);
    $('results-meta').textContent = `${total.toLocaleString()} movies${q ? ` matching “${q}”` : ''}, most rated first`;
    $('results').replaceChildren(...movies.map((m) => movieItem(m, [el('span', { class: 'sub' }, ` · ${m.ratingCount} ratings`)])));
  } catch (e) {
    showError(e);
  }
}

async function openMovie(movieId) {
  try {
    const m = await api(`/movies/${movieId}`);
    $('movie-title').textContent = m.title;
    $('movie-info').textContent = `${m.genres.join(', ')} · ${m.ratingCount} ratings${m.ratingMean ? `, mean ${m.ratingMean.toFixed(2)}` : ''}`;
    $('movie-links').replaceChildren(
      ...[
        ['IMDb', m.links.imdb],
        ['TMDB', m.links.tmdb],
      ]
        .filter(([, u]) => u)
        .flatMap(([n, u]) => [el('a', { href: u, target: '_blank', rel: 'noopener' }, n), ' ']),
    );
    $('movie-similar').replaceChildren(
      ...m.similar
        .slice(0, 10)
        .map((s) =>
          el(
            'li',
            {},
            el('span', { class: 'title', onclick: () => openMovie(s.movieId) }, s.title),
            el('span', { class: 'sub' }, ` · ${s.similarity.toFixed(2)}`),
          ),
        ),
    );
    $('movie-why').textContent = '';
    if (session)
      api(`/users/${session.userId}/recommendations/${movieId}/explanation`)
        .then((x) => {
          $('movie-why').textContent = x.because.length
            ? `For you: close to ${x.because.map((b) => `${b.title} (${b.rating}★)`).join(', ')}`
            : 'For you: none of your well-rated movies is close to it';
        })
        .catch(() => undefined);
    if (!$('movie').open) $('movie').showModal();
  } catch (e) {
    showError(e);
  }
}

async function loadTrending() {
  const t = await api('/movies/trending?limit=10');
  $('trending-meta').textContent =
    `${t.windowEnd ? `window ${t.window} ending ${new Date(t.windowEnd).toLocaleString()}` : 'no closed window yet'} · refreshed ${new Date().toLocaleTimeString()}`;
  $('trending').replaceChildren(...t.movies.map((m) => el('li', {}, `${m.title} · ${m.ratingsInWindow} ratings`)));
}

// the online-eval job: of the ratings people made, how many were of a movie they were being shown
async function loadOnline() {
  const o = await api('/metrics/online');
  $('online-meta').textContent = o.windowEnd
    ? `hit rate@10: the share of ratings of a movie in the top 10 the person was being served · window ${o.window} ending ${new Date(o.windowEnd).toLocaleString()}`
    : 'hit rate@10: no closed window yet';
  $('online').replaceChildren(
    ...o.rates.map((r) =>
      el(
        'li',
        {},
        `${r.source}${r.modelVersion ? ` (model ${r.modelVersion})` : ''}: ${(100 * r.hitRate).toFixed(1)}% of ${r.ratings.toLocaleString()} ratings`,
      ),
    ),
  );
}

function renderSession() {
  $('signin').hidden = !!session;
  $('who').hidden = !session;
  if (session) $('who').firstElementChild.textContent = `Signed in as user ${session.userId}`;
}

$('signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    session = await api('/session', { method: 'POST', body: JSON.stringify({ userId: Number($('user-id').value) }) });
    localStorage.setItem('moviereco.session', JSON.stringify(session));
    renderSession();
    await Promise.all([loadRecommendations(), loadRatings(), search()]);
  } catch (e) {
    showError(e);
  }
});
function signOut() {
  session = null;
  localStorage.removeItem('moviereco.session');
  renderSession();
  $('recs').replaceChildren();
  $('ratings').replaceChildren();
  $('recs-meta').textContent = 'Sign in to see your recommendations.';
  search();
}
$('signout').addEventListener('click', signOut);
$('search').addEventListener('submit', search);
$('rec-genre').addEventListener('change', () => loadRecommendations().catch(showError));
$('movie-close').addEventListener('click', () => $('movie').close());

(async () => {
  renderSession();
  try {
    const { genres } = await api('/movies/genres');
    for (const g of genres) {
      $('genre').append(el('option', { value: g }, g));
      $('rec-genre').append(el('option', { value: g }, g));
    }
    await Promise.all([search(), loadTrending().catch(() => undefined), loadOnline().catch(() => undefined), loadRecommendations(), loadRatings()]);
  } catch (e) {
    showError(e);
  }
  setInterval(() => loadRecommendations().catch(() => undefined), 5000);
  // the trending job closes a window every slide: the list follows without a reload
  setInterval(() => loadTrending().catch(() => undefined), 30_000);
  setInterval(() => loadOnline().catch(() => undefined), 30_000);
})();
