-- GET de cada caminho da lista UMA vez (um por linha no arquivo dado depois de "--"):
-- o visitante que escaneia um QR uma vez. Nunca repete: se a lista acabar antes do fim da
-- medida, a thread para e o relatório diz "esgotado 1" (o run.py reprova a medida e pede
-- mais chaves). Use com -t1: uma thread, uma lista.
--
-- init/request rodam no estado Lua da thread; done roda no estado principal, que só enxerga
-- a thread pelo objeto guardado em setup (thread:get).

local pasta = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(pasta .. "percentis.lua")

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  caminhos = {}
  for linha in io.lines(args[1]) do
    caminhos[#caminhos + 1] = linha
  end
  atual = 0
  esgotado = 0
end

function request()
  atual = atual + 1
  if atual > #caminhos then
    esgotado = 1
    wrk.thread:stop()
    return wrk.format("GET", "/saude/")  -- nunca chega a ser medido: a thread parou
  end
  return wrk.format("GET", caminhos[atual])
end

function done(summary, latency, requests)
  relatorio(summary, latency)
  local esgotou, usados = 0, 0
  for _, thread in ipairs(threads) do
    esgotou = math.max(esgotou, thread:get("esgotado") or 0)
    usados = usados + math.min(thread:get("atual") or 0, #(thread:get("caminhos") or {}))
  end
  io.write(string.format("BENCH esgotado %d\n", esgotou))
  io.write(string.format("BENCH usados %d\n", usados))
end
