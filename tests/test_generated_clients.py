"""Clients generated from the live schema by two widely used generators build and work (issue 19, 1): Python's
openapi-python-client and TypeScript's openapi-typescript (types) with openapi-fetch (the client), each smoke-tested
against a running server — a token, an order created, a transition fired, the ledger read.

The schema is the one ``/api/v1/schema/`` serves, in English (``--lang en``: its titles name generated types).
The TypeScript tools come from package-lock.json (``make clients`` runs ``npm ci``); a missing tool fails here."""

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import PASSWORD

REPO = Path(__file__).resolve().parents[1]
NODE_BIN = REPO / "node_modules" / ".bin"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--lang", "en", "--validate", "--fail-on-warn",
                 "--file", str(path))
    return path


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_the_python_client_generates_cleanly_imports_and_works(schema_file, tmp_path, live_server, people):
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "openapi-python-client is a test dependency (pyproject.toml [test])"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"project_name_override": "hotline", "package_name_override": "hotline_client",
                                  "post_hooks": []}))
    generated = run([generator, "generate", "--path", str(schema_file), "--output-path", str(tmp_path / "out"),
                     "--meta", "none", "--config", str(config)])
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout + generated.stderr

    sys.path.insert(0, str(tmp_path))
    os.rename(tmp_path / "out", tmp_path / "hotline_client")
    try:
        client = importlib.import_module("hotline_client")
        for name in [p.stem for p in (tmp_path / "hotline_client" / "api").glob("*/*.py") if p.stem != "__init__"]:
            package = next((tmp_path / "hotline_client" / "api").glob(f"*/{name}.py")).parent.name
            importlib.import_module(f"hotline_client.api.{package}.{name}")  # every operation's module imports
        auth = importlib.import_module("hotline_client.api.auth.auth_token_create")
        create = importlib.import_module("hotline_client.api.work_orders.work_orders_create")
        transition = importlib.import_module("hotline_client.api.work_orders.work_orders_transitions_create")
        ledger = importlib.import_module("hotline_client.api.kpi.kpi_entries_list")
        models = importlib.import_module("hotline_client.models")

        anonymous = client.Client(base_url=live_server.url)
        token = auth.sync(client=anonymous, body=models.TokenRequestRequest(username="agent", password=PASSWORD))
        assert isinstance(token, models.TokenResponse), token
        agent = client.AuthenticatedClient(base_url=live_server.url, token=token.token, prefix="Token")

        order = create.sync(client=agent, idempotency_key="python-smoke-1", body=models.WorkOrderCreateRequest(
            kind=models.WorkOrderKindEnum.COMPLAINT, description="抄表员态度恶劣", caller_number="13900000001"))
        assert isinstance(order, models.WorkOrderCreated), order
        assert order.state.value == "accepted" and order.number

        lead_token = auth.sync(client=anonymous, body=models.TokenRequestRequest(username="lead", password=PASSWORD))
        lead = client.AuthenticatedClient(base_url=live_server.url, token=lead_token.token, prefix="Token")
        cancelled = transition.sync(order.id, "cancel", client=lead,
                                    body=models.TransitionRequestRequest(reason="重复来电"))
        assert isinstance(cancelled, models.WorkOrderDetail), cancelled
        assert cancelled.state.value == "cancelled"

        supervisor_token = auth.sync(client=anonymous, body=models.TokenRequestRequest(username="supervisor",
                                                                                       password=PASSWORD))
        supervisor = client.AuthenticatedClient(base_url=live_server.url, token=supervisor_token.token,
                                                prefix="Token")
        entries = ledger.sync(client=supervisor)
        assert isinstance(entries, models.PaginatedLedgerEntryList), entries
        assert entries.count == len(entries.results) == 0

        refused = create.sync_detailed(client=agent, body=models.WorkOrderCreateRequest(
            kind=models.WorkOrderKindEnum.COMPLAINT, description="", caller_number="13900000001"))
        assert refused.status_code == 400 and isinstance(refused.parsed, models.FieldErrors)
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == "hotline_client" or m.startswith("hotline_client.")]:
            del sys.modules[module]


SMOKE_TS = """
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

const base = process.argv[2];
const ok = (cond: boolean, what: string, detail?: unknown) => {
  if (!cond) { console.error("FAILED:", what, JSON.stringify(detail)); process.exit(1); }
};

async function tokenOf(username: string): Promise<string> {
  const anonymous = createClient<paths>({ baseUrl: base });
  const { data, error } = await anonymous.POST("/api/v1/auth/token/", { body: { username, password: "PASSWORD" } });
  ok(!!data, `token of ${username}`, error);
  return data!.token;
}

async function main() {
  const agent = createClient<paths>({ baseUrl: base, headers: { Authorization: `Token ${await tokenOf("agent")}` } });
  const created = await agent.POST("/api/v1/work-orders/", {
    params: { header: { "Idempotency-Key": "ts-smoke-1" } },
    body: { kind: "complaint", description: "抄表员态度恶劣", caller_number: "13900000001" },
  });
  ok(created.response.status === 201 && created.data?.state === "accepted", "create", created.error);
  const id: number = created.data!.id;

  const lead = createClient<paths>({ baseUrl: base, headers: { Authorization: `Token ${await tokenOf("lead")}` } });
  const fired = await lead.POST("/api/v1/work-orders/{id}/transitions/{name}/", {
    params: { path: { id, name: "cancel" } }, body: { reason: "重复来电" },
  });
  ok(fired.data?.state === "cancelled", "transition", fired.error);

  const supervisor = createClient<paths>({
    baseUrl: base, headers: { Authorization: `Token ${await tokenOf("supervisor")}` } });
  const ledger = await supervisor.GET("/api/v1/kpi/entries/", { params: { query: { page: 1 } } });
  ok(ledger.data?.count === 0 && Array.isArray(ledger.data?.results), "ledger", ledger.error);

  const refused = await agent.POST("/api/v1/work-orders/", {
    body: { kind: "complaint", description: "", caller_number: "13900000001" } });
  ok(refused.response.status === 400 && !!refused.error, "refusal", refused.error);
  console.log("SMOKE OK");
}
main().catch((e) => { console.error(e); process.exit(1); });
"""

TSCONFIG = {
    "compilerOptions": {"target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": True,
                        "outDir": "out", "noEmitOnError": True, "types": ["node"]},
    "files": ["smoke.ts"],
}


def test_the_typescript_client_generates_compiles_strictly_and_works(schema_file, tmp_path, live_server, people):
    for tool in ("openapi-typescript", "tsc"):
        assert (NODE_BIN / tool).exists(), f"{tool} is missing: `make clients` (npm ci) installs it"
    assert shutil.which("node"), "node is missing (Debian package nodejs)"
    # a field with a default is optional in a request (the flag: openapi-typescript 7 reads a default as "present")
    run([str(NODE_BIN / "openapi-typescript"), str(schema_file), "--default-non-nullable", "false",
         "--output", str(tmp_path / "schema.ts")])
    (tmp_path / "smoke.ts").write_text(SMOKE_TS.replace('"PASSWORD"', json.dumps(PASSWORD)))
    (tmp_path / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    (tmp_path / "package.json").write_text(json.dumps({"type": "module"}))
    os.symlink(REPO / "node_modules", tmp_path / "node_modules")
    run([str(NODE_BIN / "tsc"), "-p", str(tmp_path)], cwd=tmp_path)  # the generated types check the calls

    result = run(["node", str(tmp_path / "out" / "smoke.js"), live_server.url], cwd=tmp_path)
    assert "SMOKE OK" in result.stdout
