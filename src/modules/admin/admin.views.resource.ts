/** Templates of a resource: its list, a record's form, and confirmation pages (see admin.views.ts). */
const list = `{% layout 'layout' %}{% block content %}
<div class="head"><h1>{{ label }}</h1>{% if addHref %}<a class="button" href="{{ addHref }}">Add</a>{% endif %}</div>
<form class="tools" method="get" action="{{ url }}" role="search" hx-get="{{ url }}" hx-target="#results" hx-select="#results" hx-swap="outerHTML" hx-push-url="true" hx-trigger="input changed delay:400ms from:#q, change, submit">
  {% if searchable %}<div class="field"><label for="q">Search</label><input id="q" name="q" type="search" value="{{ q }}" placeholder="{{ searchHint }}"></div>{% endif %}
  {% for f in filters %}<div class="field"><label for="f-{{ f.name }}">{{ f.label }}</label>
  {% if f.options %}<select id="f-{{ f.name }}" name="f_{{ f.name }}"><option value="">All</option>{% for o in f.options %}<option value="{{ o.value }}"{% if o.value == f.value %} selected{% endif %}>{{ o.label }}</option>{% endfor %}</select>
  {% else %}<input id="f-{{ f.name }}" name="f_{{ f.name }}" value="{{ f.value }}">{% endif %}</div>{% endfor %}
  {% if orderings.size > 1 %}<div class="field"><label for="order">Order by</label><select id="order" name="order">{% for o in orderings %}<option value="{{ o.value }}"{% if o.value == order %} selected{% endif %}>{{ o.label }}</option>{% endfor %}</select></div>{% endif %}
  <button type="submit">Apply</button>
</form>
<div id="results">
<table class="list">
<thead><tr>{% for c in columns %}<th scope="col">{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{{ body | raw }}</tbody>
</table>
<nav class="pager" aria-label="Pages">{% if first %}<a href="{{ first }}">First</a>{% endif %}{% if prev %}<a href="{{ prev }}" rel="prev">Previous</a>{% endif %}{% if next %}<a href="{{ next }}" rel="next">Next</a>{% endif %}</nav>
</div>
{% endblock %}`;

const form = `{% layout 'layout' %}{% block content %}
<p class="crumbs"><a href="{{ listHref }}">{{ label }}</a></p>
<h1>{{ heading }}</h1>
{% if formError %}<p class="error" role="alert">{{ formError }}</p>{% endif %}
{% if fields.size > 0 %}<form method="post" action="{{ action }}" novalidate class="record">
<input type="hidden" name="_csrf" value="{{ csrf }}">
{% for f in fields %}<div class="field{% if f.error %} invalid{% endif %}">
{% if f.readOnly %}<span class="label" id="l-{{ f.name }}">{{ f.label }}</span><div class="value" aria-labelledby="l-{{ f.name }}">{{ f.display }}</div>
{% elsif f.type == 'boolean' %}<label class="check"><input type="checkbox" id="f-{{ f.name }}" name="{{ f.name }}"{% if f.checked %} checked{% endif %}{% if f.error %} aria-invalid="true" aria-describedby="e-{{ f.name }}"{% endif %}> {{ f.label }}</label>
{% else %}<label for="f-{{ f.name }}">{{ f.label }}{% if f.required %} <span class="req" aria-hidden="true">*</span>{% endif %}</label>
{% if f.multiline %}<textarea id="f-{{ f.name }}" name="{{ f.name }}" rows="4"{% if f.required %} aria-required="true"{% endif %}{% if f.error %} aria-invalid="true" aria-describedby="e-{{ f.name }}"{% endif %}>{{ f.value }}</textarea>
{% elsif f.options %}<select id="f-{{ f.name }}" name="{{ f.name }}"{% if f.error %} aria-invalid="true" aria-describedby="e-{{ f.name }}"{% endif %}>{% unless f.required %}<option value="">—</option>{% endunless %}{% for o in f.options %}<option value="{{ o.value }}"{% if o.value == f.value %} selected{% endif %}>{{ o.label }}</option>{% endfor %}</select>
{% else %}<input id="f-{{ f.name }}" name="{{ f.name }}" type="{{ f.input }}" value="{{ f.value }}"{% if f.required %} aria-required="true"{% endif %}{% if f.error %} aria-invalid="true" aria-describedby="e-{{ f.name }}"{% endif %}{% if f.input == 'password' %} autocomplete="new-password"{% endif %}>{% endif %}
{% endif %}
{% if f.error %}<p class="field-error" id="e-{{ f.name }}">{{ f.error }}</p>{% endif %}
{% if f.help %}<p class="help">{{ f.help }}</p>{% endif %}
</div>{% endfor %}
{% if canSave %}<button type="submit">Save</button>{% endif %}
</form>{% endif %}
{% if actions.size > 0 or deleteHref or downloadHref %}<section class="actions" aria-label="Actions">
{% if downloadHref %}<a class="button" href="{{ downloadHref }}">Download</a>{% endif %}
{% for a in actions %}<form method="post" action="{{ a.href }}"><input type="hidden" name="_csrf" value="{{ csrf }}"><button type="submit"{% if a.danger %} class="danger"{% endif %}>{{ a.label }}</button></form>{% endfor %}
{% if deleteHref %}<a class="button danger" href="{{ deleteHref }}">Delete</a>{% endif %}
</section>{% endif %}
{% for i in inlines %}<section class="inline" aria-labelledby="i-{{ forloop.index }}"><h2 id="i-{{ forloop.index }}">{{ i.label }}</h2>
<table class="list"><thead><tr>{% for c in i.columns %}<th scope="col">{{ c.label }}</th>{% endfor %}</tr></thead>
<tbody>{% for r in i.rows %}<tr>{% for cell in r.cells %}<td data-label="{{ cell.label }}">{% if forloop.first and r.href %}<a href="{{ r.href }}">{{ cell.text }}</a>{% else %}{{ cell.text }}{% endif %}</td>{% endfor %}</tr>
{% else %}<tr><td colspan="{{ i.columns.size }}">None.</td></tr>{% endfor %}</tbody></table></section>{% endfor %}
{% endblock %}`;

const confirm = `{% layout 'layout' %}{% block content %}
<h1>{{ heading }}</h1>
<p>{{ question }}</p>
<form method="post" action="{{ action }}" class="confirm">
  <input type="hidden" name="_csrf" value="{{ csrf }}">
  <input type="hidden" name="confirmed" value="yes">
  <button type="submit" class="danger">{{ verb }}</button>
  <a href="{{ cancelHref }}">Cancel</a>
</form>
{% endblock %}`;

export const resourceTemplates = { list, form, confirm };
