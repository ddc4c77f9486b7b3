// The console's shell: sign-in, navigation and a hash router (#/roles/…), so
// the server serves one page and no token or id ever reaches a server log
// through a URL.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Session, session, setSession, whenUnauthorized } from "./api";
import { SignIn } from "./pages/signin";
import { Tenants } from "./pages/tenants";
import { Roles } from "./pages/roles";
import { RoleDetail } from "./pages/role";
import { Users } from "./pages/users";
import { UserDetail } from "./pages/user";
import { Groups, GroupDetail } from "./pages/groups";
import { Organizations } from "./pages/organizations";
import { Audit } from "./pages/audit";
import { Check } from "./pages/check";
import { go } from "./nav";
import "./style.css";

function route(): string[] {
  return location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
}


function App() {
  const [s, setS] = useState<Session | null>(session());
  const [path, setPath] = useState(route());
  useEffect(() => {
    const f = () => setPath(route());
    addEventListener("hashchange", f);
    whenUnauthorized(() => {
      setSession(null);
      setS(null);
    });
    return () => removeEventListener("hashchange", f);
  }, []);
  // Each page starts at its top, with focus on its heading for screen readers.
  useEffect(() => {
    const h = document.querySelector<HTMLElement>("main h1");
    h?.focus({ preventScroll: true });
  }, [path.join("/")]);

  if (!s) {
    return (
      <SignIn
        onSignedIn={(n) => {
          setSession(n);
          setS(n);
          if (!location.hash || location.hash === "#/") go(n.operator ? "tenants" : "roles");
        }}
      />
    );
  }
  const signOut = () => {
    setSession(null);
    setS(null);
    history.replaceState(null, "", location.pathname);
    setPath([]);
  };
  const switchTenant = (tenant: string) => {
    const n = { ...s, tenant };
    setSession(n);
    setS(n);
    go("roles");
  };
  const [page, id] = path;
  const nav: [string, string][] = [
    ...(s.operator ? ([["tenants", "Tenants"]] as [string, string][]) : []),
    ["roles", "Roles"],
    ["users", "Users"],
    ["groups", "Groups"],
    ["organizations", "Organizations"],
    ["audit", "Audit log"],
    ["check", "Check"],
  ];
  let body;
  switch (page) {
    case "tenants":
      body = <Tenants current={s.tenant} onSelect={switchTenant} />;
      break;
    case "roles":
      body = id ? <RoleDetail key={id} id={id} /> : <Roles />;
      break;
    case "users":
      body = id ? <UserDetail key={id} id={id} /> : <Users />;
      break;
    case "groups":
      body = id ? <GroupDetail key={id} id={id} /> : <Groups />;
      break;
    case "organizations":
      body = <Organizations />;
      break;
    case "audit":
      body = <Audit />;
      break;
    case "check":
      body = <Check />;
      break;
    default:
      body = s.operator ? <Tenants current={s.tenant} onSelect={switchTenant} /> : <Roles />;
  }
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Roster</span>
        <nav aria-label="Sections">
          {nav.map(([p, label]) => (
            <a key={p} href={`#/${p}`} aria-current={page === p || (!page && p === nav[0]![0]) ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          tenant <strong data-testid="tenant">{s.tenant}</strong>
          {s.operator ? " (operator)" : ""}
        </span>
        <button type="button" class="signout" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
