import type { OpenApiDocument } from './openapi';

/**
 * `GET /docs`: the OpenAPI document as one self-contained HTML page (inline CSS, no script,
 * nothing fetched), grouped by tag; schemas are shown as JSON with `$ref`s linked to the
 * components section.
 */
const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const anchor = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '-');

/** Pretty JSON with `"$ref": "#/components/schemas/X"` turned into links to #schema-X. */
const schemaBlock = (schema: unknown): string => {
  const json = escapeHtml(JSON.stringify(schema, null, 2));
  const linked = json.replace(/&quot;#\/components\/schemas\/([^&]+)&quot;/g, (_, name: string) => `<a href="#schema-${anchor(name)}">&quot;${name}&quot;</a>`);
  return `<pre>${linked}</pre>`;
};

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

const renderParameters = (parameters: Json[] | undefined): string => {
  if (!parameters?.length) return '';
  const rows = parameters
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td><td>${p.required ? 'yes' : ''}</td><td>${schemaBlock(p.schema)}</td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${rows}</table>`;
};

const renderContent = (content: Json | undefined): string =>
  Object.entries(content ?? {})
    .map(([mediaType, media]) => `<div class="media"><code>${escapeHtml(mediaType)}</code>${schemaBlock((media as Json).schema)}</div>`)
    .join('');

const renderOperation = (method: string, path: string, op: Json): string => {
  const security = op.security as Json[] | undefined;
  const auth = security?.length ? `bearer JWT, role ≥ <code>${escapeHtml(String(op['x-required-role'] ?? 'any'))}</code>` : 'public';
  const body = op.requestBody as Json | undefined;
  const responses = Object.entries((op.responses as Json) ?? {})
    .map(
      ([status, response]) =>
        `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(String((response as Json).description ?? ''))}${renderContent((response as Json).content as Json)}</li>`,
    )
    .join('');
  return `<details class="op" id="op-${anchor(String(op.operationId ?? path))}">
<summary><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code> — ${escapeHtml(String(op.summary ?? ''))}</summary>
<p>${op.description ? `${escapeHtml(String(op.description))}<br>` : ''}Auth: ${auth}${op['x-idempotent'] ? ' · requires <code>Idempotency-Key</code>' : ''}</p>
${renderParameters(op.parameters as Json[] | undefined)}
${body ? `<h4>Request body</h4>${renderContent(body.content as Json)}` : ''}
<h4>Responses</h4><ul>${responses}</ul>
</details>`;
};

export const renderDocs = (document: OpenApiDocument): string => {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const tag = ((op.tags as string[] | undefined) ?? ['default'])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(method, path, op)]);
    }
  }
  const sections = [...byTag.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tag, ops]) => `<section><h2 id="tag-${anchor(tag)}">${escapeHtml(tag)}</h2>${ops.join('\n')}</section>`)
    .join('\n');
  const schemas = Object.entries(document.components?.schemas ?? {})
    .map(([name, schema]) => `<div id="schema-${anchor(name)}"><h3>${escapeHtml(name)}</h3>${schemaBlock(schema)}</div>`)
    .join('\n');
  const title = escapeHtml(document.info.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 2rem;color:#1d232a}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ccd;padding-bottom:.2rem;margin-top:2rem}
.op{border:1px solid #dde;border-radius:6px;margin:.4rem 0;padding:.3rem .8rem}.op summary{cursor:pointer}
.method{display:inline-block;min-width:4.2rem;font-weight:700;font-family:monospace}
.get{color:#0a6}.post{color:#06c}.put,.patch{color:#b70}.delete{color:#c22}
pre{background:#f5f6f8;padding:.5rem;overflow:auto;font-size:13px;margin:.2rem 0}
table{border-collapse:collapse}td,th{border:1px solid #dde;padding:.2rem .4rem;vertical-align:top;text-align:left}
</style></head><body>
<h1>${title} <small>${escapeHtml(document.info.version)}</small></h1>
<p>OpenAPI ${escapeHtml(document.openapi)} · <a href="/openapi.json">openapi.json</a> · every operation is an OpenFaaS function at <code>/function/&lt;name&gt;</code>; errors are <code>application/problem+json</code> (RFC 9457).</p>
${sections || '<p>No HTTP functions are loaded.</p>'}
<h2 id="schemas">Schemas</h2>
${schemas}
</body></html>
`;
};
