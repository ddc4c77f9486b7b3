import { useState } from "preact/hooks";
import { Tenant, client, ok } from "../api";
import { CopyButton, Dialog, Input, Pager, ProblemBox, When, usePaged } from "../ui";

// Tenants is the operator's page: every tenant, paged; create one (with
// an optional first administrator, whose token is shown once); pick the
// tenant the other pages work in.
export function Tenants({ current, onSelect }: { current: string; onSelect: (id: string) => void }) {
  const list = usePaged<Tenant>((cursor) => ok(client.GET("/v1/tenants", { params: { query: { limit: 20, cursor } } })), []);
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [mode, setMode] = useState<"multiple" | "single">("multiple");
  const [adminEmail, setAdminEmail] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<{ tenant: string; email: string; token: string } | null>(null);

  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const res = await ok(
        client.POST("/v1/tenants", {
          body: { id, name, settings: { assignment_mode: mode }, ...(adminEmail ? { admin: { email: adminEmail } } : {}) },
        }),
      );
      if (res.admin_token && res.admin_user) setSecret({ tenant: res.tenant.id, email: res.admin_user.email, token: res.admin_token });
      setId("");
      setName("");
      setAdminEmail("");
      list.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section>
      <h1 tabIndex={-1}>Tenants</h1>
      <ProblemBox error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Id</th>
            <th>Name</th>
            <th>Assignment mode</th>
            <th>Revision</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((tn) => (
            <tr key={tn.id}>
              <td>
                <code>{tn.id}</code>
              </td>
              <td>{tn.name}</td>
              <td>{tn.settings.assignment_mode ?? "multiple"}</td>
              <td>{tn.revision}</td>
              <td>
                <When at={tn.created_at} />
              </td>
              <td>
                {tn.id === current ? (
                  <span class="muted">current</span>
                ) : (
                  <button type="button" onClick={() => onSelect(tn.id)}>
                    Work in {tn.id}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager p={list} label="Tenants" />

      <form onSubmit={create} class="card" aria-label="Create tenant">
        <h2>Create a tenant</h2>
        <div class="row">
          <Input label="Id" name="id" value={id} set={setId} error={error} required hint="a-z, 0-9 and -, 2 to 63 characters" />
          <Input label="Name" name="name" value={name} set={setName} error={error} required />
          <div class="field">
            <label for="tenant-mode">Assignment mode</label>
            <select id="tenant-mode" value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value as "multiple" | "single")}>
              <option value="multiple">multiple</option>
              <option value="single">single</option>
            </select>
          </div>
          <Input label="First administrator's email (optional)" name="admin.email" type="email" value={adminEmail} set={setAdminEmail} error={error} />
        </div>
        <ProblemBox error={error} fields={["id", "name", "admin.email"]} />
        <button type="submit">Create tenant</button>
      </form>

      <Dialog title="Administrator token" open={!!secret} onClose={() => setSecret(null)}>
        {secret && (
          <>
            <p>
              Tenant <code>{secret.tenant}</code> was created with administrator {secret.email}. This is the administrator's token; it is shown
              this once.
            </p>
            <p>
              <code class="secret" data-testid="secret">
                {secret.token}
              </code>
            </p>
            <CopyButton text={secret.token} label="Copy token" />
          </>
        )}
      </Dialog>
    </section>
  );
}
