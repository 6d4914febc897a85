//! Plan and result renderers: text, Markdown and versioned JSON.
