"""The field team's revisits: a task per overdue ticket, its photos, the tutanak (report form)."""
