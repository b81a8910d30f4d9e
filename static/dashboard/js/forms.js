// Form helpers for the admin editors: read fields, show the API's field errors next to the form.
export function values(form) {
  const data = {};
  Array.from(form.elements).forEach((field) => {
    if (!field.name) return;
    data[field.name] = field.type === "checkbox" ? field.checked : field.value.trim();
  });
  return data;
}

export function fill(form, data) {
  Array.from(form.elements).forEach((field) => {
    if (!field.name || !(field.name in data)) return;
    if (field.type === "checkbox") field.checked = Boolean(data[field.name]);
    else field.value = data[field.name] ?? "";
  });
}

export function showError(box, err) {
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  const fields = Object.entries(err.fields || {}).map(([key, message]) => `${key}: ${message}`).join("; ");
  box.textContent = fields || err.message;
  box.hidden = false;
}
