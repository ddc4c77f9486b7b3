import { useState } from "preact/hooks";
import { ApiError, User, client, ok, t } from "../api";
import { go, href } from "../nav";
import { Input, Pager, ProblemBox, usePaged } from "../ui";

export function Users() {
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [nonce, setNonce] = useState(0);
  const list = usePaged<User>(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/users", { params: { path: t(), query: { limit: 20, cursor, search: query || undefined } } })),
    [query, nonce],
  );
  return (
    <section>
      <h1 tabIndex={-1}>Users</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(search);
        }}
      >
        <Input label="Search (email, names)" name="search" type="search" value={search} set={setSearch} />
        <button type="submit">Search</button>
      </form>
      <ProblemBox error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Status</th>
            <th>Direct global roles</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((u) => (
            <tr key={u.id}>
              <td>
                <a href={href("users", u.id)}>{u.email}</a> <code>{u.id}</code>
              </td>
              <td>{[u.first_name, u.last_name].filter(Boolean).join(" ")}</td>
              <td>{u.status}</td>
              <td>{u.roles.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.items.length === 0 && !list.loading && <p class="muted">No users{query ? " match" : ""}.</p>}
      <Pager p={list} label="Users" />
      <CreateUser onCreated={() => setNonce((n) => n + 1)} />
    </section>
  );
}

function CreateUser({ onCreated }: { onCreated: () => void }) {
  const [email, setEmail] = useState("");
  const [first, setFirst] = useState("");
  const [last, setLast] = useState("");
  const [external, setExternal] = useState("");
  const [error, setError] = useState<unknown>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const u = await ok(
        client.POST("/v1/tenants/{tenant_id}/users", {
          params: { path: t() },
          body: { email, ...(first ? { first_name: first } : {}), ...(last ? { last_name: last } : {}), ...(external ? { external_user_id: external } : {}) },
        }),
      );
      onCreated();
      go("users", u.id);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form onSubmit={submit} class="card" aria-label="Create user">
      <h2>Create a user</h2>
      <div class="row">
        <Input label="Email" name="email" type="email" value={email} set={setEmail} error={error} required />
        <Input label="First name" name="first_name" value={first} set={setFirst} error={error} />
        <Input label="Last name" name="last_name" value={last} set={setLast} error={error} />
        <Input label="External user id" name="external_user_id" value={external} set={setExternal} error={error} />
      </div>
      <ProblemBox error={error} fields={["email", "first_name", "last_name", "external_user_id"]} />
      <button type="submit">Create user</button>
    </form>
  );
}

// resolveUser takes a user id or an email (looked up by search); field names
// the form field a missing email is reported on.
export async function resolveUser(who: string, field = "user_id"): Promise<string> {
  if (!who.includes("@")) return who;
  const page = await ok(client.GET("/v1/tenants/{tenant_id}/users", { params: { path: t(), query: { search: who, limit: 100 } } }));
  const u = page.items.find((x) => x.email.toLowerCase() === who.toLowerCase());
  if (!u) throw new ApiError(400, { title: "No such user", detail: `No user has the email ${who}.`, errors: [{ field, message: "no user has this email" }] });
  return u.id;
}
