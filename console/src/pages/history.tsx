import { useState } from "preact/hooks";
import { href } from "../nav";
import { HistoryItem, history } from "../pending";
import { Pager, ProblemBox, ScopeText, When, usePaged } from "../ui";

// History is the user's grant timeline (GET …/roles/history), loaded on demand.
export function History({ id }: { id: string }) {
  const [open, setOpen] = useState(false);
  const list = usePaged<HistoryItem>((cursor) => (open ? history(id, cursor) : Promise.resolve({ items: [], next_cursor: null })), [id, open]);
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
                <ScopeText scope={h.scope} />, {h.source === "group" ? <>through group <a href={href("groups", h.group_id ?? "")}>{h.group_id}</a></> : "direct"}:{" "}
                <When at={h.from} /> → {h.until ? <When at={h.until} /> : <em>now</em>}; granted by {h.granted_by}
                {h.revoked_by ? `, revoked by ${h.revoked_by}` : ""}
                {h.reason ? <> — “{h.reason}”</> : null}
              </li>
            ))}
          </ol>
          {open && !list.error && list.items.length === 0 && !list.loading && <p class="muted">No grants yet.</p>}
          {!list.error && <Pager p={list} label="History" />}
        </>
      )}
    </section>
  );
}
