// Shared pieces of the console's pages: problem display, form fields that
// show their own field error, paged lists, dialogs, copy buttons.
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

// ProblemBox shows a failed call's detail (field errors are shown by the
// fields themselves, and listed here too when no field shows them).
export function ProblemBox({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    const p = error.problem;
    const rest = (p.errors ?? []).filter((f) => !fields.some((n) => f.field === n || f.field.startsWith(n + "[") || f.field.startsWith(n + ".")));
    return (
      <div class="problem" role="alert">
        <strong>{p.title ?? "Error"}</strong>
        {error.status ? <span class="status"> ({error.status}{p.code ? ` ${p.code}` : ""})</span> : null}
        {p.detail ? <p class="detail">{p.detail}</p> : null}
        {rest.length > 0 && (
          <ul>
            {rest.map((f) => (
              <li key={f.field}>
                <code>{f.field}</code>: {f.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  return (
    <div class="problem" role="alert">
      {String(error)}
    </div>
  );
}

let fieldSeq = 0;

interface FieldProps {
  label: string;
  name: string; // the API field, for its error
  error?: unknown;
  hint?: string;
  children: (id: string, invalid: boolean, describedBy: string | undefined) => JSX.Element;
}

// Field is a labelled control with its field error under it.
export function Field({ label, name, error, hint, children }: FieldProps) {
  const id = useRef(`f${++fieldSeq}`).current;
  const msg = error instanceof ApiError ? error.fieldError(name) : undefined;
  const described = msg ? `${id}-err` : hint ? `${id}-hint` : undefined;
  return (
    <div class={msg ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {children(id, !!msg, described)}
      {hint && !msg ? (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      ) : null}
      {msg ? (
        <small id={`${id}-err`} class="field-error" data-field={name}>
          {msg}
        </small>
      ) : null}
    </div>
  );
}

interface InputProps {
  type?: "text" | "search" | "email" | "password" | "datetime-local";
  required?: boolean;
  disabled?: boolean;
  autoComplete?: string;
  maxLength?: number;
  label: string;
  name: string;
  value: string;
  set: (v: string) => void;
  error?: unknown;
  hint?: string;
}

export function Input({ label, name, value, set, error, hint, ...rest }: InputProps) {
  return (
    <Field label={label} name={name} error={error} hint={hint}>
      {(id, invalid, described) => (
        <input
          id={id}
          name={name}
          value={value}
          onInput={(e) => set((e.target as HTMLInputElement).value)}
          aria-invalid={invalid ? "true" : undefined}
          aria-describedby={described}
          // Whole seconds: a point-in-time check may need them.
          step={rest.type === "datetime-local" ? 1 : undefined}
          // Preact types <input> as a union by `type`; InputProps allows only valid pairs.
          {...(rest as JSX.IntrinsicElements["input"] & object)}
        />
      )}
    </Field>
  );
}

export function TextArea({ label, name, value, set, error, hint, rows = 3 }: { label: string; name: string; value: string; set: (v: string) => void; error?: unknown; hint?: string; rows?: number }) {
  return (
    <Field label={label} name={name} error={error} hint={hint}>
      {(id, invalid, described) => (
        <textarea
          id={id}
          name={name}
          rows={rows}
          value={value}
          onInput={(e) => set((e.target as HTMLTextAreaElement).value)}
          aria-invalid={invalid ? "true" : undefined}
          aria-describedby={described}
        />
      )}
    </Field>
  );
}

// Page is one page of a list: its items and the cursor of the next.
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

// usePaged loads a list one page at a time; back goes to the page before
// (the cursors seen are kept, since the API's cursors go forward only). New
// deps (a filter) start again at the first page: a cursor belongs to its list.
export function usePaged<T>(load: (cursor?: string) => Promise<Page<T>>, deps: unknown[]) {
  const key = JSON.stringify(deps);
  const [pos, setPos] = useState<{ key: string; stack: (string | undefined)[] }>({ key, stack: [undefined] });
  const stack = pos.key === key ? pos.stack : [undefined];
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [nonce, setNonce] = useState(0);
  const cursor = stack[stack.length - 1];
  useEffect(() => {
    let live = true;
    setLoading(true);
    load(cursor).then(
      (p) => {
        if (!live) return;
        setPage(p);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setPage(null);
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [cursor, nonce, key]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const next = page?.next_cursor;
  return {
    items: page?.items ?? [],
    error,
    loading,
    reload,
    pageNo: stack.length,
    next: next ? () => setPos({ key, stack: [...stack, next] }) : undefined,
    prev: stack.length > 1 ? () => setPos({ key, stack: stack.slice(0, -1) }) : undefined,
  };
}

export function Pager({ p, label }: { p: { pageNo: number; next?: () => void; prev?: () => void; loading: boolean }; label: string }) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={p.prev} disabled={!p.prev}>
        ← Previous
      </button>
      <span aria-live="polite">
        Page {p.pageNo}
        {p.loading ? " …" : ""}
      </span>
      <button type="button" onClick={p.next} disabled={!p.next}>
        Next →
      </button>
    </nav>
  );
}

// Dialog is a modal <dialog>: the browser traps focus in it and Esc closes it.
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-label={title}>
      <h2>{title}</h2>
      {children}
      <form method="dialog" class="actions">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState("");
  return (
    <button
      type="button"
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => setDone("Copied"),
          () => setDone("Copy failed: select the text and copy it"),
        )
      }
    >
      {label}
      <span aria-live="polite" class="copied">
        {done ? ` — ${done}` : ""}
      </span>
    </button>
  );
}

export function When({ at }: { at?: string | null }) {
  if (!at) return <span class="muted">—</span>;
  return <time dateTime={at} title={at}>{new Date(at).toLocaleString()}</time>;
}

// toRFC3339 turns a datetime-local value (the user's local time) into UTC.
export function toRFC3339(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function splitList(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function ScopeText({ scope }: { scope: { type: string; organization_id?: string; organization_name?: string } }) {
  if (scope.type !== "organization") return <span class="scope">global</span>;
  return (
    <span class="scope">
      org <a href={`#/organizations`}>{scope.organization_name ?? scope.organization_id}</a>
    </span>
  );
}

export function Loading({ on }: { on: boolean }) {
  return on ? <p class="muted" aria-live="polite">Loading…</p> : null;
}
