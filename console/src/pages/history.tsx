import { useState } from "preact/hooks";
import { GrantInterval, client, ok, t } from "../api";
import { href } from "../nav";
import { Pager, ProblemBox, ScopeText, When, usePaged } from "../ui";

// Actor names who granted or revoked: the server answers a user id, or
// "operator" for the operator token (which has no user to link to).
function Actor({ id }: { id: string }) {
  return id === "operator" ? <>the operator</> : <a href={href("users", id)}>{id}</a>;
}

// History is the user's grant timeline (GET …/roles/history), loaded on demand.
export function History({ id }: { id: string }) {
  const [open, setOpen] = useState(false);
  const list = usePaged<GrantInterval>(
    (cursor) =>
      open
        ? ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}/roles/history", { params: { path: { ...t(), user_id: id }, query: { limit: 20, cursor } } }))
        : Promise.resolve({ items: [], next_cursor: null }),
    [id, open],
  );
  return (
    <section aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      {!open ? (
        <button type="button" onClick={() => setOpen(true)}>
          Show the roles history
        </button>
      ) : (
        <>
          <ProblemBox error={list.error} />
          <ol class="timeline" data-testid="history">
            {list.items.map((h, i) => (
              <li key={i} data-role={h.role_id}>
                <strong>
                  <a href={href("roles", h.role_id)}>{h.role_id}</a>
                </strong>{" "}
                <ScopeText scope={h.scope} />,{" "}
                {h.source.type === "group" ? (
                  <>
                    through group <a href={href("groups", h.source.group_id ?? "")}>{h.source.group_id}</a>
                  </>
                ) : (
                  "direct"
                )}
                : <When at={h.from} /> → {h.until ? <When at={h.until} /> : <em>now</em>}; granted by <Actor id={h.granted_by} />
                {h.revoked_by ? (
                  <>
                    , revoked by <Actor id={h.revoked_by} />
                  </>
                ) : h.until ? (
                  ", expired"
                ) : null}
                {h.reason ? <> — “{h.reason}”</> : null}
              </li>
            ))}
          </ol>
          {!list.error && list.items.length === 0 && !list.loading && <p class="muted">No grants yet.</p>}
          {!list.error && <Pager p={list} label="History" />}
        </>
      )}
    </section>
  );
}
