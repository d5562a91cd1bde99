"""Writes a dbt project of the marketing models (pipelines/marketing/models)
so that `dbt build` runs the same models and data tests as orch's
`--select models`. Needs only PyYAML (python3 here has it; the dbt
virtualenv has it through dbt).

    python bench/peers/dbt/generate.py OUT [--url postgresql://…] [--schema-prefix dbt_]

What is converted, and how:
- model SQL is copied as it is: orch's template language is dbt's subset
  (`ref`, `source`, `this`, `var`, `config(...)`, `is_incremental()`,
  `{# #}`); anything else found is refused, so a new construct is noticed;
- models' YAML: `tests:` become `data_tests:`; `not_null`, `unique`,
  `accepted_values` stay (dbt's built-ins); `relationships.to: m` becomes
  `ref('m')`; `accepted_range` (`min`, `max`) and model-level `expression`
  are generic tests of this project (macros/tests.sql: the same failing-rows
  SQL as orch's); `severity` moves into `config`;
- `tests/*.sql` (singular tests) go to the project's tests/;
- every `source('s', 't')` used becomes sources.yml (the tables orch's
  extracts and the segments task wrote);
- schemas: models build in `<prefix>analytics` and `<prefix>staging`
  (macros/generate_schema_name.sql), never over orch's own tables.
With --url, profiles.yml points at that PostgreSQL (a socket directory as host works).
"""
import argparse
import os
import re
import shutil
import sys
from urllib.parse import parse_qs, unquote, urlparse

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODELS = os.path.join(REPO, "pipelines", "marketing", "models")
KNOWN = re.compile(r"^\s*(ref|source|this|var|config|is_incremental|if|else|elif|endif|not)\b")

MACROS = {
    "generate_schema_name.sql": """{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- else -%}{{ var('schema_prefix', 'dbt_') }}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
""",
    "tests.sql": """{# orch's accepted_range and expression tests, as generic tests: the same failing rows. #}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
select * from {{ model }} where
{%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% endif %}
{%- if min_value is not none and max_value is not none %} or{% endif %}
{%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% endif %}
{% endtest %}

{% test expression_is_true(model, expression) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}
""",
}


def check_template(path, text):
    for block in re.findall(r"{{(.*?)}}|{%(.*?)%}", text, re.S):
        inner = (block[0] or block[1]).strip().lstrip("-").strip()
        if not KNOWN.match(inner):
            sys.exit(f"{path}: {{{{ {inner} }}}} is not in the subset this generator knows to be dbt's")


def convert_test(test):
    if isinstance(test, str):
        return test
    if "expression" in test:  # a model-level `- expression: "SQL"` (maybe with severity beside it)
        name, args = "expression_is_true", {"expression": test["expression"]}
        severity = test.get("severity")
    else:
        (name, args), = test.items()
        args = dict(args or {})
        severity = args.pop("severity", None)
        if name == "relationships":
            args["to"] = f"ref('{args['to']}')"
        elif name == "accepted_range":
            args = {("min_value" if k == "min" else "max_value" if k == "max" else k): v for k, v in args.items()}
    if severity:
        args["config"] = {"severity": severity}
    return {name: args}


def convert_schema(doc):
    models = []
    for m in doc.get("models", []):
        out = {k: v for k, v in m.items() if k in ("name", "description", "config")}
        cols = []
        for c in m.get("columns", []):
            col = {k: v for k, v in c.items() if k in ("name", "description")}
            if c.get("tests"):
                col["data_tests"] = [convert_test(t) for t in c["tests"]]
            cols.append(col)
        if cols:
            out["columns"] = cols
        if m.get("tests"):
            out["data_tests"] = [convert_test(t) for t in m["tests"]]
        models.append(out)
    return {"version": 2, "models": models}


def profile(url, schema, threads):
    u = urlparse(url)
    q = parse_qs(u.query)
    host = q.get("host", [u.hostname or "localhost"])[0]
    return {"orch_bench": {"target": "bench", "outputs": {"bench": {
        "type": "postgres", "host": host, "port": int(q.get("port", [u.port or 5432])[0]),
        "user": unquote(u.username or q.get("user", ["postgres"])[0]), "password": unquote(u.password or ""),
        "dbname": (u.path or "/postgres").lstrip("/") or "postgres", "schema": schema, "threads": threads}}}}


def generate(out, url=None, prefix="dbt_", threads=2):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    sources, tests = {}, 0
    for root, _, files in os.walk(MODELS):
        rel = os.path.relpath(root, MODELS)
        singular = rel.split(os.sep)[0] == "tests"
        dest = os.path.join(out, "tests" if singular else "models", *([] if singular else ([] if rel == "." else [rel])))
        os.makedirs(dest, exist_ok=True)
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path) as f:
                text = f.read()
            if name.endswith(".sql"):
                check_template(path, text)
                for s, t in re.findall(r"source\(\s*'([^']+)'\s*,\s*'([^']+)'\s*\)", text):
                    sources.setdefault(s, set()).add(t)
                tests += singular
                shutil.copy(path, os.path.join(dest, name))
            elif name.endswith((".yml", ".yaml")):
                doc = convert_schema(yaml.safe_load(text) or {})
                for m in doc["models"]:
                    tests += sum(len(c.get("data_tests", [])) for c in m.get("columns", [])) + len(m.get("data_tests", []))
                with open(os.path.join(dest, name), "w") as f:
                    yaml.safe_dump(doc, f, sort_keys=False, allow_unicode=True)
    with open(os.path.join(out, "models", "sources.yml"), "w") as f:
        yaml.safe_dump({"version": 2, "sources": [{"name": s, "schema": s, "tables": [{"name": t} for t in sorted(ts)]}
                                                  for s, ts in sorted(sources.items())]}, f, sort_keys=False)
    os.makedirs(os.path.join(out, "macros"))
    for name, text in MACROS.items():
        with open(os.path.join(out, "macros", name), "w") as f:
            f.write(text)
    with open(os.path.join(out, "dbt_project.yml"), "w") as f:
        yaml.safe_dump({"name": "orch_marketing", "version": "1.0.0", "config-version": 2, "profile": "orch_bench",
                        "model-paths": ["models"], "test-paths": ["tests"], "macro-paths": ["macros"],
                        "vars": {"schema_prefix": prefix},
                        # orch's sql_model task: materialized view by default (the marts say table/incremental)
                        "models": {"orch_marketing": {"+materialized": "view"}}}, f, sort_keys=False)
    if url:
        with open(os.path.join(out, "profiles.yml"), "w") as f:
            yaml.safe_dump(profile(url, prefix + "analytics", threads), f, sort_keys=False)
    return tests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--url", help="the PostgreSQL URL for profiles.yml (orch db url)")
    parser.add_argument("--schema-prefix", default="dbt_")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    tests = generate(args.out, args.url, args.schema_prefix, args.threads)
    print(f"dbt project in {args.out}: {tests} data tests")


if __name__ == "__main__":
    main()
