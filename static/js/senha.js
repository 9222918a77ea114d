// Botão "Mostrar senha" ao lado de cada campo de senha da página (issue #13, item 14).
// Melhoria progressiva: sem JavaScript o campo continua um campo de senha comum. O botão é
// um alternador (aria-pressed, o nome não muda) logo depois do campo que controla
// (aria-controls). Antes de enviar, todo campo volta a ser de senha.
(function () {
  "use strict";

  function preparar(campo) {
    if (!campo.id || campo.dataset.mostrarSenha === "pronto") { return; }
    campo.dataset.mostrarSenha = "pronto";
    var grupo = document.createElement("div");
    grupo.className = "input-group has-validation campo-senha";
    // A mensagem de erro do Bootstrap (.invalid-feedback) aparece depois de um irmão
    // .is-invalid: com o campo dentro do grupo, o grupo passa a ser esse irmão.
    if (campo.classList.contains("is-invalid")) { grupo.classList.add("is-invalid"); }
    campo.parentNode.insertBefore(grupo, campo);
    grupo.appendChild(campo);

    var botao = document.createElement("button");
    botao.type = "button";
    botao.className = "btn btn-outline-secondary botao-mostrar-senha";
    botao.textContent = "Mostrar senha";
    botao.setAttribute("aria-pressed", "false");
    botao.setAttribute("aria-controls", campo.id);
    botao.addEventListener("click", function () {
      var mostrar = campo.type === "password";
      campo.type = mostrar ? "text" : "password";
      botao.setAttribute("aria-pressed", mostrar ? "true" : "false");
    });
    grupo.appendChild(botao);
  }

  function esconderAoEnviar(evento) {
    var campos = evento.target.querySelectorAll("input[data-mostrar-senha]");
    Array.prototype.forEach.call(campos, function (campo) {
      campo.type = "password";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var campos = document.querySelectorAll('input[type="password"]');
    Array.prototype.forEach.call(campos, preparar);
    document.addEventListener("submit", esconderAoEnviar, true);
  });
})();
