// The survey page: a rating chosen by a link is sent from the customer's browser at once, so
// one click rates while a mail scanner that only opens the link records nothing.
document.querySelector("form[data-send-now]")?.requestSubmit();
