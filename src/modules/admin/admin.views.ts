/**
 * The panel's Liquid templates (kept in code so that the compiled build carries them). Every output is
 * HTML-escaped by the engine (outputEscape: 'escape'); pages work without JavaScript, htmx only spares reloads.
 */
const layout = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · Agora admin</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{ base }}/static/admin.css">
<script src="{{ base }}/static/htmx.min.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="{{ base }}/">Agora admin</a>
  {% if user %}<div class="account"><span>{{ user }}</span>
  <form method="post" action="{{ base }}/logout"><input type="hidden" name="_csrf" value="{{ csrf }}"><button type="submit" class="link">Sign out</button></form></div>{% endif %}
</header>
<div class="wrap">
{% if nav %}<nav class="side" aria-label="Admin sections">
  <a href="{{ base }}/"{% if current == 'dashboard' %} aria-current="page"{% endif %}>Dashboard</a>
  {% for s in nav %}<h2>{{ s.label }}</h2><ul>{% for r in s.resources %}<li><a href="{{ base }}/{{ s.module }}/{{ r.name }}"{% if r.current %} aria-current="page"{% endif %}>{{ r.label }}</a></li>{% endfor %}</ul>{% endfor %}
</nav>{% endif %}
<main id="main" tabindex="-1">
{% if flash %}<p class="flash" role="status">{{ flash }}</p>{% endif %}
{% block content %}{% endblock %}
</main>
</div>
</body>
</html>`;

const login = `{% layout 'layout' %}{% block content %}
<h1>Sign in</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ base }}/login" class="login">
  <input type="hidden" name="_csrf" value="{{ csrf }}">
  <input type="hidden" name="next" value="{{ next }}">
  <div class="field"><label for="username">Username or email</label>
  <input id="username" name="username" autocomplete="username" value="{{ username }}" required></div>
  <div class="field"><label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required></div>
  <button type="submit">Sign in</button>
</form>
{% endblock %}`;

const error = `{% layout 'layout' %}{% block content %}
<h1>{{ heading }}</h1>
<p class="error" role="alert">{{ message }}</p>
<p><a href="{{ base }}/">Back to the dashboard</a></p>
{% endblock %}`;

const dashboard = `{% layout 'layout' %}{% block content %}
<h1>Dashboard</h1>
{% if jobs %}<section aria-labelledby="jobs-h"><h2 id="jobs-h">Jobs</h2>
<p class="figures"><a href="{{ base }}/jobs/jobs?f_status=pending"><strong>{{ jobs.waiting }}</strong> waiting</a>
<a href="{{ base }}/jobs/jobs?f_status=dead"><strong>{{ jobs.dead }}</strong> dead</a></p></section>{% endif %}
<section aria-labelledby="counts-h"><h2 id="counts-h">Records</h2>
<table class="counts"><thead><tr><th scope="col">Module</th><th scope="col">Resource</th><th scope="col">Rows</th></tr></thead>
<tbody>{% for c in counts %}<tr><td data-label="Module">{{ c.module }}</td><td data-label="Resource"><a href="{{ c.href }}">{{ c.label }}</a></td><td data-label="Rows">{{ c.count }}</td></tr>{% endfor %}</tbody></table>
</section>
<section aria-labelledby="recent-h"><h2 id="recent-h">Recent admin actions</h2>
{% if recent.size > 0 %}<ul class="recent">{% for a in recent %}<li><time>{{ a.at }}</time> {{ a.username }} — {{ a.action }} {{ a.resource }} {{ a.recordId }}</li>{% endfor %}</ul>
{% else %}<p>No admin actions yet.</p>{% endif %}
</section>
{% endblock %}`;

export const layoutTemplates = { layout, login, error, dashboard };
