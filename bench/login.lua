-- Login sob carga: POST /entrar/ girando por muitos CPFs, todos com a senha certa (errar
-- 5 vezes bloquearia o CPF no django-axes). O par cookie csrftoken + token do formulário
-- foi obtido antes pelo run.py e vale para todas as requisições: o Django só confere que
-- o token corresponde ao cookie enviado (a rotação no login muda só a resposta).
-- Argumentos depois de "--": arquivo de CPFs, senha (já codificada), cookie, token.

local pasta = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(pasta .. "percentis.lua")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  cpfs = {}
  for linha in io.lines(args[1]) do
    cpfs[#cpfs + 1] = linha
  end
  senha, token = args[2], args[4]
  atual, aceitos, recusados = 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=" .. args[3]
end

function request()
  atual = atual % #cpfs + 1
  local corpo = "csrfmiddlewaretoken=" .. token .. "&cpf=" .. cpfs[atual] .. "&senha=" .. senha
  return wrk.format(nil, nil, nil, corpo)
end

-- Só conta como login o 302 para o painel; 200 (formulário com erro), 403 e 429 não.
function response(status, headers, body)
  local destino = headers["Location"] or headers["location"] or ""
  if status == 302 and destino:find("/painel/", 1, true) then
    aceitos = aceitos + 1
  else
    recusados = recusados + 1
  end
end

function done(summary, latency, requests)
  relatorio(summary, latency)
  local total_aceitos, total_recusados = 0, 0
  for _, t in ipairs(threads) do
    total_aceitos = total_aceitos + t:get("aceitos")
    total_recusados = total_recusados + t:get("recusados")
  end
  io.write(string.format("BENCH logins_aceitos %d\n", total_aceitos))
  io.write(string.format("BENCH logins_recusados %d\n", total_recusados))
end
