// A form's 400 answer (what was wrong with it, as a fragment) is swapped into its place like
// any other (the htmx-config meta tag in base.html). Under DEBUG, django-htmx's debug script
// (added by {% htmx_script %}, listening on the document) would replace the whole page with it
// instead, as it does for Django's error pages: stop the event at <body> for these answers, so
// only 403, 404 and 500 reach it.
document.body.addEventListener("htmx:beforeOnLoad", (event) => {
  const status = event.detail.xhr && event.detail.xhr.status;
  if (status === 400 || status === 409 || status === 422) event.stopPropagation();
});
