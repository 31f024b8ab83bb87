// The simulator's dashboard: polls /dashboard/state every second and keeps the page in step.
// Rows are rebuilt only when what they show changes, so a status change flashes once and
// nothing flickers in between. Every value is set as text, never as HTML.
"use strict";

(function () {
  const POLL_MS = 1000;
  const STATE_URL = "/dashboard/state";

  // The colour family of every status and sub-status value (dashboard.css).
  const KIND = {
    started: "ok", running: "ok", applied: "ok",
    provisioning: "busy", starting: "busy", restarting: "busy", uploading: "busy",
    stopping: "winding", terminating: "winding", uploaded: "winding",
    stopped: "idle", none: "idle", terminated: "idle",
    failed: "bad",
  };

  const rowsBySystem = new Map(); // system id -> {row, signature, status, idleCell, deadline}
  const sectionsByUser = new Map(); // user id -> {section, heading, body, table, empty}

  function element(tag, properties, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(properties || {})) {
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function setConnection(state, message) {
    const badge = document.getElementById("connection");
    badge.dataset.state = state;
    badge.textContent = message;
  }

  function describeSeconds(seconds) {
    if (seconds <= 0) return "due now";
    if (seconds < 120) return "in " + Math.round(seconds) + " s";
    if (seconds < 7200) return "in " + Math.round(seconds / 60) + " min";
    return "in " + (seconds / 3600).toFixed(1) + " h";
  }

  function clockTime(timestamp) {
    return new Date(timestamp).toLocaleTimeString([], { hour12: false });
  }

  function idleText(deadline, now) {
    if (!deadline) return "–";
    const at = Date.parse(deadline);
    return describeSeconds((at - now) / 1000) + " (" + clockTime(at) + ")";
  }

  function part(label, value) {
    return element("span", { className: "part", "data-kind": KIND[value] || "idle", title: label + ": " + value }, [
      label + " ", element("b", { text: value }),
    ]);
  }

  function buildRow(system, now) {
    const nameCell = element("td", {}, [
      element("span", { className: "name", text: system.name }),
      element("span", { className: "detail mono", text: system.id }),
      element("span", { className: "detail", text: system.image_name + " · " + system.cloud }),
    ]);
    const statusCell = element("td", {}, [
      element("span", { className: "status", "data-kind": KIND[system.status] || "idle", text: system.status }),
      element("div", { className: "parts" }, [
        part("VM", system.vm_status),
        part("product", system.product_status),
        part("config.toml", system.config_toml_status),
      ]),
    ]);
    if (system.failure_reason) {
      statusCell.append(element("span", { className: "failure", text: system.failure_reason }));
    }
    const typeCell = element("td", {}, [
      element("span", { text: system.instance_type }),
      element("span", { className: "detail", text: system.disk_size_gb + " GB disk" }),
    ]);
    const idleCell = element("td", { className: "idle", text: idleText(system.idle_deadline, now) });
    const urlCell = element("td", {});
    if (system.url) {
      const live = system.status === "started";
      urlCell.append(element("a", {
        href: system.url, target: "_blank", rel: "noopener noreferrer",
        className: live ? "mono" : "mono inactive", title: live ? "open the product" : "answers once started",
        text: system.url,
      }));
    }
    if (system.address) urlCell.append(element("span", { className: "detail mono", text: "VM " + system.address }));
    const row = element("tr", { "data-system-id": system.id, "data-status": system.status }, [
      nameCell, statusCell, typeCell,
      element("td", { className: "number", text: String(system.cu_per_hour) }),
      idleCell, urlCell,
    ]);
    return { row, idleCell };
  }

  // Everything a row shows except the idle countdown, which moves every second.
  function signature(system) {
    const copy = Object.assign({}, system);
    delete copy.updated;
    return JSON.stringify(copy);
  }

  function placeChildren(parent, wanted) {
    wanted.forEach((child, index) => {
      if (parent.children[index] !== child) parent.insertBefore(child, parent.children[index] || null);
    });
    while (parent.children.length > wanted.length) parent.lastElementChild.remove();
  }

  function userSection(user) {
    let entry = sectionsByUser.get(user.id);
    if (!entry) {
      const heading = element("h2");
      const body = element("tbody");
      const head = element("thead", {}, [element("tr", {}, [
        element("th", { className: "col-system", text: "System" }),
        element("th", { className: "col-status", text: "Status" }),
        element("th", { className: "col-type", text: "Instance type" }),
        element("th", { className: "col-cu number", text: "CU/h" }),
        element("th", { className: "col-idle", text: "Idle deadline" }),
        element("th", { className: "col-url", text: "URL" }),
      ])]);
      const table = element("table", {}, [head, body]);
      const empty = element("p", { className: "empty", text: "no systems" });
      const section = element("section", { className: "user", "data-user": user.name }, [heading]);
      entry = { section, heading, body, table, empty };
      sectionsByUser.set(user.id, entry);
    }
    const count = user.systems.length;
    entry.heading.replaceChildren(
      user.name,
      element("span", {
        className: "who",
        text: [user.email, count + (count === 1 ? " system" : " systems"), user.consumed_cu + " CU/h"]
          .filter(Boolean).join(" · "),
      }),
    );
    return entry;
  }

  function renderUser(user, now, seen) {
    const entry = userSection(user);
    const rows = user.systems.map((system) => {
      seen.add(system.id);
      const previous = rowsBySystem.get(system.id);
      const sign = signature(system);
      if (previous && previous.signature === sign) {
        previous.idleCell.textContent = idleText(system.idle_deadline, now);
        return previous.row;
      }
      const built = buildRow(system, now);
      if (previous) {
        if (previous.status !== system.status) built.row.classList.add("changed");
        previous.row.replaceWith(built.row);
      }
      rowsBySystem.set(system.id, { row: built.row, signature: sign, status: system.status, idleCell: built.idleCell });
      return built.row;
    });
    placeChildren(entry.body, rows);
    placeChildren(entry.section, [entry.heading, rows.length ? entry.table : entry.empty]);
    return entry.section;
  }

  function renderPool(pool, timing) {
    const available = document.getElementById("cu-available");
    available.textContent = String(pool.available);
    available.classList.toggle("negative", pool.available < 0);
    document.getElementById("cu-consumed").textContent = String(pool.consumed);
    document.getElementById("cu-size").textContent = String(pool.size);
    const share = pool.size > 0 ? Math.min(1, pool.consumed / pool.size) : 1;
    const bar = document.getElementById("cu-bar");
    bar.style.width = (share * 100).toFixed(1) + "%";
    bar.classList.toggle("full", pool.available <= 0);
    document.getElementById("timing").textContent =
      "speed ×" + timing.speed + " · one Puddle minute lasts " + timing.minute_seconds + " s";
  }

  function render(state) {
    const now = Date.parse(state.server_time);
    renderPool(state.cu_pool, state.timing);
    const seen = new Set();
    const sections = state.users.map((user) => renderUser(user, now, seen));
    placeChildren(document.getElementById("users"), sections);
    for (const id of Array.from(rowsBySystem.keys())) {
      if (!seen.has(id)) rowsBySystem.delete(id);
    }
  }

  async function poll() {
    try {
      const response = await fetch(STATE_URL, { cache: "no-store", credentials: "same-origin" });
      if (response.status === 401) {
        setConnection("denied", "access denied: open /dashboard?token=<control token>");
      } else if (!response.ok) {
        setConnection("offline", "the simulator answered " + response.status + ", retrying…");
      } else {
        const state = await response.json();
        render(state);
        setConnection("live", "live · " + clockTime(Date.parse(state.server_time)));
      }
    } catch (error) {
      setConnection("offline", "simulator unreachable, retrying…");
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();
