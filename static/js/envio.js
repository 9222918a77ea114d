// Passo Documentos: envia o arquivo de um item sem recarregar a página (melhoria
// progressiva: sem este script o formulário é enviado normalmente e o servidor redireciona).
// A barra de progresso acompanha o envio; a confirmação aparece no próprio item, que recebe
// o foco, e é anunciada na região aria-live. Num erro, o campo continua com o arquivo.
(function () {
  "use strict";

  var CABECALHO = "X-Envio-Documento";

  function anunciar(texto) {
    var regiao = document.getElementById("anuncio-envio");
    if (!regiao) { return; }
    regiao.textContent = "";
    window.setTimeout(function () { regiao.textContent = texto; }, 50);
  }

  function limparErros(form) {
    form.querySelectorAll("[data-erro-envio]").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (campo) {
      campo.removeAttribute("aria-invalid");
      campo.classList.remove("is-invalid");
    });
  }

  function mostrarResumo(form, html) {
    var modelo = document.createElement("template");
    modelo.innerHTML = (html || "").trim();
    var resumo = modelo.content.firstElementChild;
    if (!resumo) { return null; }
    var antigo = document.getElementById("resumo-erros");
    if (antigo) { antigo.remove(); }
    resumo.setAttribute("data-erro-envio", "");
    form.insertBefore(resumo, form.firstChild);
    return resumo;
  }

  function mostrarErros(form, erros, geral, resumoHtml) {
    var primeiro = null;
    (erros || []).forEach(function (erro) {
      var campo = form.querySelector("#" + CSS.escape(erro.id));
      if (!campo) { return; }
      var aviso = document.createElement("div");
      aviso.className = "invalid-feedback d-block";
      aviso.id = erro.id + "_erro_envio";
      aviso.setAttribute("data-erro-envio", "");
      aviso.textContent = erro.mensagens.join(" ");
      campo.insertAdjacentElement("afterend", aviso);
      campo.classList.add("is-invalid");
      campo.setAttribute("aria-invalid", "true");
      var descrito = (campo.getAttribute("aria-describedby") || "").split(" ");
      if (descrito.indexOf(aviso.id) < 0) { descrito.push(aviso.id); }
      campo.setAttribute("aria-describedby", descrito.join(" ").trim());
      primeiro = primeiro || campo;
    });
    if (!primeiro && geral) {
      var alerta = document.createElement("div");
      alerta.className = "alert alert-danger py-1 px-2 small";
      alerta.setAttribute("data-erro-envio", "");
      alerta.setAttribute("tabindex", "-1");
      alerta.textContent = geral;
      form.insertBefore(alerta, form.firstChild);
      primeiro = alerta;
    }
    var resumo = mostrarResumo(form, resumoHtml);
    if (resumo) { primeiro = resumo; }
    if (primeiro) {
      primeiro.focus();
      primeiro.scrollIntoView({ block: "center" });
    }
  }

  function atualizarPagina(item, resposta) {
    var modelo = document.createElement("template");
    modelo.innerHTML = resposta.item.trim();
    var novo = modelo.content.firstElementChild;
    // Só a confirmação mais recente fica na página (uma região de status por vez).
    document.querySelectorAll(".confirmacao-envio").forEach(function (el) { el.remove(); });
    item.replaceWith(novo);
    var grupo = novo.closest("details.grupo-documentos");
    if (grupo) {
      var resumo = grupo.querySelector("[id^='resumo-grupo-']");
      if (resumo) { resumo.innerHTML = resposta.grupo; }
    }
    var contador = document.getElementById("contador-obrigatorios");
    if (contador) { contador.innerHTML = resposta.contador; }
    novo.focus();
    anunciar(resposta.anuncio);
  }

  function enviar(form) {
    var item = form.closest(".item-documento");
    var botao = form.querySelector("button[type='submit']");
    var progresso = form.querySelector(".progresso-envio");
    var barra = progresso ? progresso.querySelector("progress") : null;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader(CABECALHO, "1");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    limparErros(form);
    if (botao) { botao.disabled = true; }
    if (progresso) { progresso.hidden = false; barra.value = 0; }
    xhr.upload.addEventListener("progress", function (evento) {
      if (barra && evento.lengthComputable) {
        barra.max = evento.total;
        barra.value = evento.loaded;
      }
    });
    xhr.addEventListener("load", function () {
      if (botao) { botao.disabled = false; }
      if (progresso) { progresso.hidden = true; }
      var resposta = xhr.response;
      if (xhr.status === 200 && resposta && resposta.item) {
        atualizarPagina(item, resposta);
      } else if (resposta && (resposta.erros || resposta.erro)) {
        mostrarErros(form, resposta.erros, resposta.erro, resposta.resumo);
        anunciar(resposta.anuncio || resposta.erro);
      } else {
        form.removeAttribute("data-envio-documento");
        form.submit();  // resposta inesperada: o envio normal mostra a página do servidor
      }
    });
    xhr.addEventListener("error", function () {
      if (botao) { botao.disabled = false; }
      if (progresso) { progresso.hidden = true; }
      var texto = "Não foi possível enviar o arquivo: verifique a conexão e tente de novo.";
      mostrarErros(form, [], texto);
      anunciar(texto);
    });
    xhr.send(new FormData(form));
  }

  document.addEventListener("submit", function (evento) {
    var form = evento.target;
    if (!form.matches || !form.matches("form[data-envio-documento]")) { return; }
    if (!window.FormData || !window.XMLHttpRequest) { return; }
    evento.preventDefault();
    enviar(form);
  });
})();
