// Máscaras de digitação dos campos com data-mascara="cpf|cnpj|telefone|cep" (IMask, em
// static/vendor/imask/). Só ajudam: colar com ou sem pontuação, com espaços ou "+55" funciona,
// o cursor não salta e o apagar passa pelos separadores. O servidor normaliza o que chegar;
// sem JavaScript o campo continua aceitando qualquer forma.
(function () {
  "use strict";

  function soDigitos(texto) { return texto.replace(/\D/g, ""); }

  // Letras e dígitos do CNPJ alfanumérico (12 em [0-9A-Z] + 2 dígitos verificadores).
  function soAlfanumericos(texto) { return texto.toUpperCase().replace(/[^0-9A-Z]/g, ""); }

  // Um telefone colado com o código do país (+55 31 99999-9999) perde o 55 inicial.
  function telefoneSemPais(texto, mascara) {
    var digitos = soDigitos(texto);
    if (mascara.unmaskedValue === "" && /^55\d{10,11}$/.test(digitos)) {
      return digitos.slice(2);
    }
    return digitos;
  }

  var MASCARAS = {
    cpf: { mask: "000.000.000-00", prepare: soDigitos },
    cnpj: {
      mask: "AA.AAA.AAA/AAAA-00",
      definitions: { A: /[0-9A-Z]/ },
      prepare: soAlfanumericos
    },
    telefone: {
      mask: [{ mask: "(00) 0000-0000" }, { mask: "(00) 00000-0000" }],
      prepare: telefoneSemPais
    },
    cep: { mask: "00000-000", prepare: soDigitos }
  };

  function aplicar(campo) {
    var opcoes = MASCARAS[campo.dataset.mascara];
    if (!opcoes || !window.IMask || campo.dataset.mascaraAplicada) { return null; }
    // Um valor mascarado pelo servidor (CPF "***.456.789-**") fica como está até a pessoa
    // digitar outro: só então a máscara entra.
    if (campo.value.indexOf("*") !== -1) {
      campo.addEventListener("input", function tentar() {
        if (campo.value.indexOf("*") === -1) {
          campo.removeEventListener("input", tentar);
          aplicar(campo);
        }
      });
      return null;
    }
    campo.dataset.mascaraAplicada = "1";
    return window.IMask(campo, opcoes);
  }

  function aplicarTodas(raiz) {
    var campos = (raiz || document).querySelectorAll("input[data-mascara]");
    Array.prototype.forEach.call(campos, aplicar);
  }

  window.CAGECMascaras = { aplicar: aplicar, aplicarTodas: aplicarTodas };
  document.addEventListener("DOMContentLoaded", function () { aplicarTodas(document); });
}());
