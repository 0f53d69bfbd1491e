# Reference values from R's metafor for the tests of reviewkit.synthesis' comparative meta-analysis:
# pool_binary, pool_continuous, pool_generic, subgroup_test, meta_regression, egger_test, trim_and_fill,
# leave_one_out, cumulative.
#
# What it computes
#   Data sets (typed in below, so that the tests need no R data): binary 2x2 tables (bcg = metafor's
#   dat.bcg, checked against it; homogeneous; zero_cells; double_zero; k2), continuous means
#   (normand = dat.normand1999, checked; cont_homogeneous; cont_k2) and generic estimates with standard
#   errors (bcg_logrr: the log risk ratios of bcg; normand_md: the mean differences of normand;
#   asymmetric: small studies with larger estimates, so that trim-and-fill fills on the left).
#   double_zero has a study with no events in either arm and one with only events in both.
#   Each is pooled with every measure x method x test:
#     binary     RR, OR, RD x FE (method = "EE"), DL, REML x test z, knha:  rma(measure = , ai = , ...),
#                i.e. escalc() with its defaults (add = 1/2, to = "only0", drop00 = FALSE) then rma.uni;
#                MH: rma.mh(measure = RR, OR, RD) and Peto: rma.peto() with their defaults
#                (add = 1/2, to = "only0", drop00 = TRUE for the studies shown; raw counts for the pooling)
#     continuous MD, SMD x FE, DL, REML x z, knha: rma(measure = , m1i = , ...) (SMD: Hedges' g, vtype "LS")
#     generic    rma(yi, sei = , method = , test = ), log scale for bcg_logrr
#   Ratio measures are reported exponentiated (predict(res, transf = exp)). Prediction intervals are
#   predict()'s pi.lb / pi.ub for random-effects fits (empty for FE, MH and Peto).
#   On each fit with at least 3 studies: regtest(res) (model "rma", predictor "sei"), trimfill(res)
#   (rma.uni fits only) and leave1out(res) (exponentiated for ratios).
#   On each rma.uni fit with at least 2 studies: cumul(res) with the studies in their given order
#   (transf = exp for ratios), one row per step (the first 1, 2, ..., k studies).
#   subgroup: each subgroup fitted with rma(), then rma(estimates, sei = se, method = "FE")$QE.
#   metareg: rma(yi, vi, mods = ~ ..., method = , test = ) on bcg's log risk ratios and normand's SMD.
#   Every fit runs inside a handler: an error gives a row with the message in `error`.
#
# Output (written next to this script; doubles with 15 significant digits, missing values empty)
#   metafor_comparative_data.csv     : dataset, study, label and the inputs of each kind of data set
#   metafor_comparative_pooled.csv   : dataset, measure, method, test, k, estimate, ci_low, ci_high,
#                                      pi_low, pi_high, beta, se, p, tau2, i2, q, q_p, error
#   metafor_comparative_studies.csv  : dataset, measure, method, test, study, yi, vi, weight
#   metafor_comparative_regtest.csv  : dataset, measure, method, test, z, p, df, intercept (the limit
#                                      estimate, rt$est), slope (on sei), error
#   metafor_comparative_trimfill.csv : dataset, measure, method, test, k0, side, estimate, ci_low, ci_high,
#                                      tau2, error
#   metafor_comparative_leave1out.csv: dataset, measure, method, test, study, estimate, ci_low, ci_high,
#                                      tau2, i2, q, q_p
#   metafor_comparative_cumul.csv    : dataset, measure, method, test, step (1..k: the fit on the first
#                                      step studies), estimate, ci_low, ci_high, tau2 (0 for FE), i2
#   metafor_comparative_subgroup.csv : dataset, measure, method, test, q, df, p
#   metafor_comparative_metareg.csv  : dataset, measure, model, method, test, term, coef, se, p, tau2, qm,
#                                      qm_p, error
#
# How to run (from the repository root)
#   Rscript tests/reference/metafor_comparative.R
#
# The committed CSVs were produced with R 4.2.2 Patched (2022-11-10 r83330), metafor 3.8-1
# (Debian packages r-base-core, r-cran-metafor).

suppressPackageStartupMessages(library(metafor))

script_dir <- function() {
  file_arg <- sub("^--file=", "", grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE))
  if (length(file_arg) == 1L) return(dirname(normalizePath(file_arg)))
  if (dir.exists(file.path("tests", "reference"))) return(normalizePath(file.path("tests", "reference")))
  stop("Run as: Rscript tests/reference/metafor_comparative.R (from the repository root)")
}
out_dir <- script_dir()

# ---- data sets ----
bcg <- data.frame(
  label = c("Aronson 1948", "Ferguson & Simes 1949", "Rosenthal 1960", "Hart & Sutherland 1977",
            "Frimodt-Moller 1973", "Stein & Aronson 1953", "Vandiviere 1973", "TPT Madras 1980",
            "Coetzee & Berjak 1968", "Rosenthal 1961", "Comstock 1974", "Comstock & Webster 1969",
            "Comstock 1976"),
  ai = c(4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27),
  bi = c(119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886),
  ci = c(11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29),
  di = c(128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825),
  ablat = c(44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33),
  year = c(1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976),
  alloc = c("random", "random", "random", "random", "alternate", "alternate", "random", "random", "random",
            "systematic", "systematic", "systematic", "systematic"))
stopifnot(all(bcg$ai == dat.bcg$tpos), all(bcg$bi == dat.bcg$tneg), all(bcg$ci == dat.bcg$cpos),
          all(bcg$di == dat.bcg$cneg), all(bcg$ablat == dat.bcg$ablat), all(bcg$year == dat.bcg$year),
          all(bcg$alloc == dat.bcg$alloc))

table_data <- function(ai, n1i, ci, n2i) data.frame(label = paste("study", seq_along(ai)), ai = ai,
                                                    bi = n1i - ai, ci = ci, di = n2i - ci)
binary <- list(
  bcg = bcg[, c("label", "ai", "bi", "ci", "di")],
  homogeneous = table_data(c(10, 12, 9, 11, 14), c(100, 110, 95, 105, 120), c(15, 17, 14, 16, 19), c(100, 108, 97, 104, 118)),
  zero_cells = table_data(c(0, 2, 1, 5, 3), c(20, 25, 18, 40, 30), c(3, 0, 4, 8, 6), c(21, 24, 19, 38, 31)),
  double_zero = table_data(c(0, 3, 5, 2, 7, 4, 10), c(15, 30, 40, 25, 50, 20, 10), c(0, 6, 9, 5, 12, 4, 8),
                           c(15, 31, 38, 26, 48, 20, 8)),
  k2 = table_data(c(12, 8), c(50, 40), c(20, 15), c(50, 42)))

normand <- data.frame(label = as.character(dat.normand1999$source),
                      m1i = c(55, 27, 64, 66, 14, 19, 52, 21, 30), sd1i = c(47, 7, 17, 20, 8, 7, 45, 16, 27),
                      n1i = c(155, 31, 75, 18, 8, 57, 34, 110, 60), m2i = c(75, 29, 119, 137, 18, 18, 41, 31, 23),
                      sd2i = c(64, 4, 29, 48, 11, 4, 34, 27, 20), n2i = c(156, 32, 71, 18, 13, 52, 33, 183, 52))
stopifnot(all(normand$m1i == dat.normand1999$m1i), all(normand$sd1i == dat.normand1999$sd1i),
          all(normand$n1i == dat.normand1999$n1i), all(normand$m2i == dat.normand1999$m2i),
          all(normand$sd2i == dat.normand1999$sd2i), all(normand$n2i == dat.normand1999$n2i))
normand$stroke_unit <- c("yes", "yes", "yes", "yes", "no", "no", "yes", "no", "no")
mean_data <- function(m1i, sd1i, n1i, m2i, sd2i, n2i) data.frame(label = paste("study", seq_along(m1i)),
  m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i)
continuous <- list(
  normand = normand[, c("label", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")],
  cont_homogeneous = mean_data(c(10.2, 11.0, 9.8, 10.5, 10.9), c(3.1, 2.9, 3.4, 3.0, 3.2), c(40, 55, 38, 61, 47),
                               c(12.0, 12.6, 11.9, 12.1, 12.8), c(3.3, 3.0, 3.1, 2.8, 3.5), c(42, 50, 40, 60, 45)),
  cont_k2 = mean_data(c(5.1, 4.2), c(1.2, 1.5), c(20, 25), c(4.0, 4.1), c(1.1, 1.4), c(22, 24)))

es_bcg <- escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg)
es_normand <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = normand)
generic <- list(
  bcg_logrr = data.frame(label = bcg$label, yi = c(es_bcg$yi), sei = sqrt(es_bcg$vi)),
  normand_md = data.frame(label = normand$label, yi = c(es_normand$yi), sei = sqrt(es_normand$vi)),
  asymmetric = data.frame(label = paste("study", 1:8), yi = c(0.1, 0.15, 0.2, 0.35, 0.5, 0.6, 0.8, 0.9),
                          sei = c(0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35)))

# ---- helpers ----
one_line <- function(msg) gsub("[[:space:]]+", " ", msg)
capture <- function(expr) {
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(msg = one_line(conditionMessage(e))), class = "fit_error")),
    warning = function(w) invokeRestart("muffleWarning"))
  value
}
failed <- function(x) inherits(x, "fit_error")
num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)[1]
rows <- list(pooled = list(), studies = list(), regtest = list(), trimfill = list(), leave1out = list(),
             subgroup = list(), metareg = list(), cumul = list())
add <- function(name, df) rows[[name]][[length(rows[[name]]) + 1L]] <<- df
methods <- c(FE = "EE", DL = "DL", REML = "REML")

fit_binary <- function(d, measure, method, test) {
  if (method == "MH") return(rma.mh(measure = measure, ai = ai, bi = bi, ci = ci, di = di, data = d))
  if (method == "Peto") return(rma.peto(ai = ai, bi = bi, ci = ci, di = di, data = d))
  rma(measure = measure, ai = ai, bi = bi, ci = ci, di = di, data = d, method = methods[[method]], test = test)
}
fit_continuous <- function(d, measure, method, test)
  rma(measure = measure, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d,
      method = methods[[method]], test = test)
fit_generic <- function(d, measure, method, test) rma(yi, sei = sei, data = d, method = methods[[method]], test = test)

record <- function(dataset, measure, method, test, res, ratio) {
  key <- data.frame(dataset = dataset, measure = measure, method = method, test = test)
  if (failed(res)) {
    add("pooled", cbind(key, k = NA, estimate = NA, ci_low = NA, ci_high = NA, pi_low = NA, pi_high = NA, beta = NA,
                        se = NA, p = NA, tau2 = NA, i2 = NA, q = NA, q_p = NA, error = res$msg))
    return(invisible())
  }
  tr <- if (ratio) exp else identity
  pred <- predict(res, transf = tr)
  random <- !(method %in% c("FE", "MH", "Peto"))
  add("pooled", cbind(key, k = res$k, estimate = num(pred$pred), ci_low = num(pred$ci.lb), ci_high = num(pred$ci.ub),
                      pi_low = if (random) num(pred$pi.lb) else NA, pi_high = if (random) num(pred$pi.ub) else NA,
                      beta = num(res$beta), se = num(res$se), p = num(res$pval), tau2 = num(res$tau2), i2 = num(res$I2),
                      q = num(res$QE), q_p = num(res$QEp), error = NA))
  add("studies", cbind(key, study = seq_along(res$yi.f), yi = c(res$yi.f), vi = c(res$vi.f), weight = unname(weights(res))))
  if (inherits(res, "rma.uni") && res$k >= 2) {
    cu <- suppressWarnings(if (ratio) cumul(res, transf = exp) else cumul(res))
    add("cumul", cbind(key, step = seq_along(cu$estimate), estimate = cu$estimate, ci_low = cu$ci.lb, ci_high = cu$ci.ub,
                       tau2 = if (is.null(cu$tau2)) 0 else cu$tau2, i2 = cu$I2))
  }
  if (res$k < 3) return(invisible())
  rt <- capture(regtest(res))
  add("regtest", cbind(key, z = if (failed(rt)) NA else rt$zval, p = if (failed(rt)) NA else rt$pval,
                       df = if (failed(rt)) NA else num(rt$ddf), intercept = if (failed(rt)) NA else num(rt$est),
                       slope = if (failed(rt)) NA else unname(coef(rt$fit)[2]), error = if (failed(rt)) rt$msg else NA))
  if (inherits(res, "rma.uni")) {
    tf <- capture(trimfill(res))
    if (failed(tf)) {
      add("trimfill", cbind(key, k0 = NA, side = NA, estimate = NA, ci_low = NA, ci_high = NA, tau2 = NA, error = tf$msg))
    } else {
      tp <- predict(tf, transf = tr)
      add("trimfill", cbind(key, k0 = tf$k0, side = tf$side, estimate = num(tp$pred), ci_low = num(tp$ci.lb),
                            ci_high = num(tp$ci.ub), tau2 = num(tf$tau2), error = NA))
    }
  }
  l1 <- leave1out(res, transf = tr)
  add("leave1out", cbind(key, study = seq_along(l1$estimate), estimate = l1$estimate, ci_low = l1$ci.lb,
                         ci_high = l1$ci.ub, tau2 = if (is.null(l1$tau2)) 0 else l1$tau2, i2 = l1$I2, q = l1$Q,
                         q_p = l1$Qp))
}

# ---- pooled fits ----
for (dataset in names(binary)) {
  for (measure in c("RR", "OR", "RD")) {
    for (method in c("FE", "DL", "REML", "MH", "Peto")) {
      if (method == "Peto" && measure != "OR") next
      for (test in if (method %in% c("MH", "Peto")) "z" else c("z", "knha")) {
        res <- capture(fit_binary(binary[[dataset]], measure, method, test))
        record(dataset, measure, method, test, res, measure %in% c("RR", "OR"))
      }
    }
  }
}
for (dataset in names(continuous)) for (measure in c("MD", "SMD")) for (method in names(methods)) for (test in c("z", "knha"))
  record(dataset, measure, method, test, capture(fit_continuous(continuous[[dataset]], measure, method, test)), FALSE)
for (dataset in names(generic)) for (method in names(methods)) for (test in c("z", "knha"))
  record(dataset, "generic", method, test, capture(fit_generic(generic[[dataset]], "generic", method, test)),
         dataset == "bcg_logrr")

# ---- subgroups: a separate tau2 in each, then the FE Q between the subgroup estimates ----
subgroups <- list(
  bcg = list(data = binary$bcg, groups = bcg$alloc, measure = "RR", fit = fit_binary),
  normand = list(data = continuous$normand, groups = normand$stroke_unit, measure = "SMD", fit = fit_continuous))
for (dataset in names(subgroups)) {
  s <- subgroups[[dataset]]
  for (method in names(methods)) for (test in c("z", "knha")) {
    fits <- lapply(split(s$data, s$groups), function(d) s$fit(d, s$measure, method, test))
    between <- rma(vapply(fits, function(f) c(f$beta), 0), sei = vapply(fits, function(f) f$se, 0), method = "EE")
    add("subgroup", data.frame(dataset = dataset, measure = s$measure, method = method, test = test,
                               q = between$QE, df = between$k - 1, p = between$QEp))
  }
}

# ---- meta-regression ----
es_smd <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = normand)
models <- list(
  list(dataset = "bcg", measure = "RR", data = es_bcg, model = "ablat", mods = ~ ablat),
  list(dataset = "bcg", measure = "RR", data = es_bcg, model = "alloc", mods = ~ alloc),
  list(dataset = "bcg", measure = "RR", data = es_bcg, model = "ablat + year", mods = ~ ablat + year),
  list(dataset = "bcg", measure = "RR", data = es_bcg, model = "ablat + alloc", mods = ~ ablat + alloc),
  list(dataset = "normand", measure = "SMD", data = es_smd, model = "stroke_unit", mods = ~ stroke_unit))
for (m in models) for (method in names(methods)) for (test in c("z", "knha")) {
  res <- capture(rma(yi, vi, mods = m$mods, data = m$data, method = methods[[method]], test = test))
  key <- data.frame(dataset = m$dataset, measure = m$measure, model = m$model, method = method, test = test)
  if (failed(res)) {
    add("metareg", cbind(key, term = NA, coef = NA, se = NA, p = NA, tau2 = NA, qm = NA, qm_p = NA, error = res$msg))
    next
  }
  terms <- sub("^intrcpt$", "intercept", rownames(res$beta))
  add("metareg", cbind(key, term = terms, coef = c(res$beta), se = res$se, p = res$pval, tau2 = res$tau2,
                       qm = res$QM, qm_p = res$QMp, error = NA))
}

# ---- the inputs, for the tests ----
data_rows <- list()
for (dataset in names(binary)) data_rows[[dataset]] <- with(binary[[dataset]], data.frame(
  dataset = dataset, study = seq_along(ai), label = label, events_t = ai, total_t = ai + bi, events_c = ci,
  total_c = ci + di))
for (dataset in names(continuous)) data_rows[[dataset]] <- with(continuous[[dataset]], data.frame(
  dataset = dataset, study = seq_along(m1i), label = label, mean_t = m1i, sd_t = sd1i, n_t = n1i, mean_c = m2i,
  sd_c = sd2i, n_c = n2i))
for (dataset in names(generic)) data_rows[[dataset]] <- with(generic[[dataset]], data.frame(
  dataset = dataset, study = seq_along(yi), label = label, estimate = yi, std_error = sei))
moderators <- data.frame(dataset = "bcg", study = seq_len(nrow(bcg)), ablat = bcg$ablat, year = bcg$year,
                         alloc = bcg$alloc)
moderators <- rbind(moderators, data.frame(dataset = "normand", study = seq_len(nrow(normand)), ablat = NA, year = NA,
                                           alloc = NA))
moderators$stroke_unit <- c(rep(NA, nrow(bcg)), normand$stroke_unit)

write_reference <- function(df, name) {
  path <- file.path(out_dir, name)
  write.csv(df, path, row.names = FALSE, na = "")
  message("wrote ", path, " (", nrow(df), " rows)")
}
bind <- function(list_of_frames) {
  columns <- unique(unlist(lapply(list_of_frames, names)))
  do.call(rbind, lapply(list_of_frames, function(df) { df[setdiff(columns, names(df))] <- NA; df[columns] }))
}
write_reference(bind(data_rows), "metafor_comparative_data.csv")
write_reference(moderators, "metafor_comparative_moderators.csv")
for (name in names(rows)) write_reference(bind(rows[[name]]), paste0("metafor_comparative_", name, ".csv"))
