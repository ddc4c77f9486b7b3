import { useState } from "preact/hooks";
import { AuditEvent, client, ok, t } from "../api";
import { Input, Pager, ProblemBox, When, toRFC3339, usePaged } from "../ui";

interface Filters {
  actor_id?: string;
  target_id?: string;
  action?: string;
  since?: string;
}

export function Audit() {
  const [actor, setActor] = useState("");
  const [target, setTarget] = useState("");
  const [action, setAction] = useState("");
  const [since, setSince] = useState("");
  const [filters, setFilters] = useState<Filters>({});
  const list = usePaged<AuditEvent>(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/audit-events", { params: { path: t(), query: { limit: 20, cursor, ...filters } } })),
    [JSON.stringify(filters)],
  );
  function apply(e: Event) {
    e.preventDefault();
    const f: Filters = {};
    if (actor.trim()) f.actor_id = actor.trim();
    if (target.trim()) f.target_id = target.trim();
    if (action.trim()) f.action = action.trim();
    const s = toRFC3339(since);
    if (s) f.since = s;
    setFilters(f);
  }
  return (
    <section>
      <h1 tabIndex={-1}>Audit log</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter audit events">
        <Input label="Actor" name="actor_id" value={actor} set={setActor} error={list.error} hint="a user id, or operator" />
        <Input label="Target" name="target_id" value={target} set={setTarget} error={list.error} />
        <Input label="Action" name="action" value={action} set={setAction} error={list.error} hint="role.create, user.update, …" />
        <Input label="Since" name="since" type="datetime-local" value={since} set={setSince} error={list.error} />
        <button type="submit">Filter</button>
      </form>
      <ProblemBox error={list.error} fields={["actor_id", "target_id", "action", "since"]} />
      <table data-testid="audit">
        <thead>
          <tr>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((ev) => (
            <tr key={ev.id} data-action={ev.action}>
              <td>
                <When at={ev.at} />
              </td>
              <td>{ev.actor_id}</td>
              <td>
                <code>{ev.action}</code>
              </td>
              <td>
                {ev.target_type} <code>{ev.target_id}</code>
              </td>
              <td>
                {Object.keys(ev.details).length ? (
                  <details>
                    <summary>details</summary>
                    <pre>{JSON.stringify(ev.details, null, 2)}</pre>
                  </details>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.items.length === 0 && !list.loading && !list.error && <p class="muted">No events.</p>}
      <Pager p={list} label="Audit events" />
    </section>
  );
}
