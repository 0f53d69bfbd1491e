"""What the forms need from the browser and ipywidgets lacks: key presses, and the text a reviewer selects.

Both are anywidget widgets (a few lines of JavaScript each, no build step), so they work wherever
ipywidgets do: JupyterLab 4, Notebook 7, VS Code. In a papermill run nothing of this is rendered.
"""
from __future__ import annotations

from typing import Callable

import anywidget
import traitlets

FORM_CLASS = "rk-form"  # the CSS class of a form's outer box: where its keyboard shortcuts apply

_SHORTCUTS_JS = """
const TYPING = 'input, textarea, select, [contenteditable="true"]';

function render({ model, el }) {
  let form = null;
  let tries = 0;
  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest(TYPING)) {
      if (event.key === 'Escape') { form.focus(); event.stopPropagation(); }
      return;  // typing a note: keys are text
    }
    if (model.get('bindings').includes(event.key)) {
      event.preventDefault();
      event.stopPropagation();
      model.send({ key: event.key });
    } else if (event.key.length === 1 || event.key === 'Delete' || event.key === 'Backspace') {
      event.stopPropagation();  // not a notebook command (x cuts a cell, d d deletes it) while in the form
    }
  };
  const attach = () => {
    form = el.closest('.%(form)s');
    if (!form) {
      if (tries++ < 200) setTimeout(attach, 50);
      return;
    }
    form.tabIndex = 0;
    form.addEventListener('keydown', onKey);
  };
  attach();
  return () => form && form.removeEventListener('keydown', onKey);
}
export default { render };
""" % {"form": FORM_CLASS}

_SHORTCUTS_CSS = """
.%(form)s { outline: none; border: 2px solid transparent; border-radius: 4px; padding: 2px; }
.%(form)s:focus-within { border-color: #90caf9; }
""" % {"form": FORM_CLASS}


class Shortcuts(anywidget.AnyWidget):
    """Keyboard shortcuts for the form that holds this widget: a key pressed while the form has the focus
    (and not in a text field) calls its action. Click the form, or press Esc in a text field, to focus it."""

    _esm = _SHORTCUTS_JS
    _css = _SHORTCUTS_CSS
    bindings = traitlets.List(traitlets.Unicode()).tag(sync=True)  # the keys it handles

    def __init__(self, actions: dict[str, Callable[[], None]]) -> None:
        super().__init__(bindings=list(actions))
        self.actions = actions
        self.on_msg(lambda _, content, buffers: self.press(content.get("key", "")))

    def press(self, key: str) -> None:
        """Do what ``key`` stands for (the browser calls this; tests may too)."""
        if key in self.actions:
            self.actions[key]()


_TEXT_JS = """
function render({ model, el }) {
  const box = document.createElement('div');
  box.className = 'rk-text';
  const show = () => { box.innerHTML = model.get('html'); };
  const pick = () => {
    const selection = window.getSelection();
    const inside = selection && !selection.isCollapsed
      && box.contains(selection.anchorNode) && box.contains(selection.focusNode);
    const text = inside ? selection.toString().trim() : '';
    if (text !== model.get('selection')) {
      model.set('selection', text);
      model.save_changes();
    }
  };
  show();
  model.on('change:html', show);
  box.addEventListener('mouseup', pick);
  box.addEventListener('keyup', pick);
  el.appendChild(box);
  return () => model.off('change:html', show);
}
export default { render };
"""

_TEXT_CSS = """
.rk-text { max-height: 30em; overflow-y: auto; white-space: pre-wrap; line-height: 1.45; padding: 6px 10px;
           border: 1px solid #ccc; border-radius: 4px; background: #fff; color: #222; font-size: 13px; }
.rk-text mark { padding: 0 1px; border-radius: 2px; color: inherit; }
"""


class RecordText(anywidget.AnyWidget):
    """A record's text as HTML (with marks) in a scrolling box; ``selection`` is the text the reviewer
    selected in it last (empty after a click that selects nothing)."""

    _esm = _TEXT_JS
    _css = _TEXT_CSS
    html = traitlets.Unicode("").tag(sync=True)
    selection = traitlets.Unicode("").tag(sync=True)
