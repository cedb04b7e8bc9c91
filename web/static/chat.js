// Chat: a conversation opens at its latest message, as in LINE.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  if (list) list.scrollTop = list.scrollHeight;
})();
