// The Multiple Arrangements arena (anywidget front end for repalign.arena.ArenaWidget).
// Shows the current trial's scene thumbnails in a circle; the reader drags them; "next trial" asks
// Python for the next subset. Positions are arena coordinates: radius 1, origin at the centre, y up.
// All trial logic (sequencing, evidence, estimate) lives in Python (repalign.arrangement.ArrangementSession).

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "repalign-arena";
  const header = document.createElement("div");
  header.className = "repalign-arena-header";
  const info = document.createElement("span");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "next trial";
  header.append(info, button);
  const arena = document.createElement("div");
  arena.className = "repalign-arena-circle";
  // layout essentials inline (the stylesheet adds the looks)
  Object.assign(arena.style, { position: "relative", borderRadius: "50%", touchAction: "none" });
  root.append(header, arena);
  el.appendChild(root);

  let current = [];   // positions while dragging (synced to Python on release)
  let items = [];     // the <img> elements of the current trial
  let top = 1;        // z-index of the item dragged last

  function place(img, p) {
    const size = model.get("size");
    img.style.left = `${((p[0] + 1) / 2) * size}px`;
    img.style.top = `${((1 - p[1]) / 2) * size}px`;
  }

  function toArena(event) {
    const size = model.get("size");
    const box = arena.getBoundingClientRect();
    let x = ((event.clientX - box.left) / size) * 2 - 1;
    let y = 1 - ((event.clientY - box.top) / size) * 2;
    const r = Math.hypot(x, y);
    if (r > 1) { x /= r; y /= r; }   // keep every item inside the arena
    return [x, y];
  }

  function build() {
    const size = model.get("size");
    const thumb = model.get("thumb_size");
    arena.style.width = `${size}px`;
    arena.style.height = `${size}px`;
    arena.replaceChildren();
    const titles = model.get("titles");
    current = model.get("positions").map((p) => [p[0], p[1]]);
    items = model.get("thumbnails").map((src, k) => {
      const img = document.createElement("img");
      img.src = src;
      img.title = titles[k] || "";
      img.alt = titles[k] || `item ${k}`;
      img.draggable = false;
      Object.assign(img.style, { position: "absolute", touchAction: "none" });
      img.style.width = `${thumb}px`;
      img.style.height = `${thumb}px`;
      img.style.marginLeft = `${-thumb / 2}px`;
      img.style.marginTop = `${-thumb / 2}px`;
      let dragging = false;
      img.addEventListener("pointerdown", (event) => {
        dragging = true;
        top += 1;
        img.style.zIndex = String(top);   // the dragged item on top (re-inserting it would drop the capture)
        img.classList.add("dragging");
        img.setPointerCapture(event.pointerId);
        event.preventDefault();
      });
      img.addEventListener("pointermove", (event) => {
        if (!dragging) return;
        current[k] = toArena(event);
        place(img, current[k]);
      });
      const release = () => {
        if (!dragging) return;
        dragging = false;
        img.classList.remove("dragging");
        model.set("positions", current.map((p) => [p[0], p[1]]));
        model.save_changes();
      };
      img.addEventListener("pointerup", release);
      img.addEventListener("pointercancel", release);
      place(img, current[k]);
      arena.appendChild(img);
      return img;
    });
    update_header();
  }

  function moved() {
    const pos = model.get("positions");
    if (pos.length !== items.length) return build();
    current = pos.map((p) => [p[0], p[1]]);
    items.forEach((img, k) => place(img, current[k]));
  }

  function update_header() {
    info.textContent = model.get("message");
    button.disabled = model.get("done");
  }

  button.addEventListener("click", () => model.send({ event: "next" }));
  model.on("change:thumbnails", build);
  model.on("change:trial", build);
  model.on("change:positions", moved);
  model.on("change:message", update_header);
  model.on("change:done", update_header);
  build();
  return () => root.remove();
}

export default { render };
