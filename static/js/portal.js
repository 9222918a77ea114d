// Leva o foco ao resumo de erros para que leitores de tela anunciem o que corrigir.
document.addEventListener("DOMContentLoaded", function () {
  var resumo = document.getElementById("resumo-erros");
  if (resumo) { resumo.focus(); }
});
