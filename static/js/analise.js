// Página de decisão da análise (/analise/<id>/): melhora o que já funciona sem JavaScript.
// - "Aprovar todos os documentos" marca "Aprovar" em cada documento sem recarregar a página;
// - o rótulo do parecer no resumo de cada cartão acompanha o que foi marcado;
// - o motivo padrão escolhido entra na caixa Motivo (editável) e o servidor sabe que já entrou;
// - "Ver ao lado" abre o documento no visualizador (PDF no quadro, imagem como <img>).
(function () {
  "use strict";

  var ROTULOS = { aprovar: "Aprovar", reprovar: "Reprovar", "": "Sem parecer" };
  var CORES = { aprovar: "text-bg-success", reprovar: "text-bg-danger", "": "text-bg-light" };

  function anunciar(texto) {
    var regiao = document.getElementById("anuncio-analise");
    if (!regiao) { return; }
    regiao.textContent = "";
    window.setTimeout(function () { regiao.textContent = texto; }, 50);
  }

  function atualizarRotulo(cartao) {
    var marcado = cartao.querySelector("input[type=radio][name^='parecer_']:checked");
    var valor = marcado ? marcado.value : "";
    var rotulo = cartao.querySelector("[data-parecer-rotulo]");
    if (!rotulo) { return; }
    rotulo.textContent = ROTULOS[valor] || ROTULOS[""];
    rotulo.classList.remove("text-bg-success", "text-bg-danger", "text-bg-light", "border");
    rotulo.classList.add(CORES[valor] || CORES[""]);
    if (!valor) { rotulo.classList.add("border"); }
  }

  function prepararPareceres(formulario) {
    var cartoes = formulario.querySelectorAll(".cartao-documento");
    cartoes.forEach(function (cartao) {
      cartao.addEventListener("change", function (evento) {
        if (evento.target.name && evento.target.name.indexOf("parecer_") === 0) {
          atualizarRotulo(cartao);
        }
      });
    });
    var botao = formulario.querySelector("[data-aprovar-todos]");
    if (!botao) { return; }
    botao.addEventListener("click", function (evento) {
      evento.preventDefault();
      cartoes.forEach(function (cartao) {
        var aprovar = cartao.querySelector("input[type=radio][name^='parecer_'][value='aprovar']");
        if (aprovar) { aprovar.checked = true; }
        atualizarRotulo(cartao);
        cartao.open = false;
      });
      anunciar("Parecer “Aprovar” marcado em " + cartoes.length +
        (cartoes.length === 1 ? " documento." : " documentos.") + " Escolha a decisão.");
    });
  }

  function prepararMotivoPadrao(formulario) {
    var dados = document.getElementById("motivos-padrao");
    var escolha = formulario.querySelector("select[name=modelo]");
    var caixa = formulario.querySelector("textarea[name=motivo]");
    var conferido = formulario.querySelector("input[name=modelo_conferido]");
    var previa = document.getElementById("previa-motivo");
    if (!dados || !escolha || !caixa || !conferido) { return; }
    var textos = JSON.parse(dados.textContent);
    var inserido = textos[conferido.value] || "";
    escolha.addEventListener("change", function () {
      var texto = textos[escolha.value] || "";
      var atual = caixa.value;
      if (inserido && atual.indexOf(inserido) !== -1) {
        atual = atual.replace(inserido, "").replace(/^\s+/, "");
      }
      caixa.value = [texto, atual].filter(function (t) { return t; }).join("\n");
      inserido = texto;
      conferido.value = texto ? escolha.value : "";
      if (previa) {
        previa.textContent = texto
          ? "O texto de “" + escolha.options[escolha.selectedIndex].text +
            "” está na caixa Motivo: confira e edite antes de registrar."
          : "";
      }
    });
  }

  function prepararVisualizador() {
    var quadro = document.getElementById("visualizador-quadro");
    var imagem = document.getElementById("visualizador-imagem");
    var legenda = document.getElementById("visualizador-legenda");
    var novaAba = document.getElementById("visualizador-nova-aba");
    var titulo = document.getElementById("titulo-visualizador");
    if (!quadro || !imagem) { return; }
    var lado = window.matchMedia("(min-width: 1200px)");
    document.querySelectorAll("[data-visualizar]").forEach(function (link) {
      link.addEventListener("click", function (evento) {
        evento.preventDefault();
        var ehImagem = link.dataset.tipo === "image/png" || link.dataset.tipo === "image/jpeg";
        if (ehImagem) {
          imagem.src = link.href;
          imagem.alt = link.dataset.titulo;
        } else {
          quadro.src = link.href;
          quadro.title = "Documento: " + link.dataset.titulo;
        }
        imagem.hidden = !ehImagem;
        quadro.hidden = ehImagem;
        legenda.textContent = link.dataset.titulo;
        novaAba.href = link.dataset.novaAba;
        if (!lado.matches && titulo) {
          titulo.focus();
          titulo.scrollIntoView({ block: "start" });
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var formulario = document.getElementById("form-decisao");
    if (formulario) {
      prepararPareceres(formulario);
      prepararMotivoPadrao(formulario);
    }
    prepararVisualizador();
    var aviso = document.getElementById("aviso-analise");
    if (aviso && !document.getElementById("resumo-erros")) { aviso.focus(); }
  });
})();
