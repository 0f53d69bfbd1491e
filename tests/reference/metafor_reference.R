# Reference values from R's metafor for the tests of reviewkit.synthesis.pool_proportions
# (meta-analysis of single-arm proportions).
#
# What it computes
#   For each data set below, each transform (metafor measure) and each method:
#     transforms: logit = PLO, arcsine = PAS, freeman-tukey = PFT, raw = PR
#     methods:    FE   = rma(yi, vi, method = "EE")  (metafor >= 3.0 calls the common/equal-effects
#                        model "EE"; "FE" is still accepted and gives identical numbers)
#                 DL   = rma(yi, vi, method = "DL")
#                 REML = rma(yi, vi, method = "REML")
#                 GLMM = rma.glmm(measure = "PLO", xi = , ni = )  (logit only; defaults: method = "ML",
#                        nAGQ = 7, fitted with lme4::glmer)
#   and each test: z, and knha (Knapp-Hartung, rma(..., test = "knha"); not for the GLMM). With one
#   study metafor sets test = "z" (with a warning); reviewkit refuses knha there instead.
#   Effect sizes come from escalc() with metafor's DEFAULTS (add = 1/2, to = "only0", drop00 = FALSE;
#   escalc sets add = 0 for PAS and PFT), so zero cells are handled exactly as metafor does by default.
#   Pooled estimates are back-transformed with predict(): PLO -> transf.ilogit, PAS -> transf.iarcsin,
#   PFT -> transf.ipft.hm with targs = list(ni = ni), PR -> none. CIs are z-based for test = "z", t-based
#   with k - 1 df for knha; pi_low / pi_high are predict()'s prediction interval (back-transformed too),
#   empty for FE.
#   Every fit runs inside a handler: an error gives a row with the message in `error`; warnings
#   (from escalc, rma, rma.glmm or predict) are collected in `warning` and the fit's numbers are kept.
#   Cumulative meta-analysis: on each rma fit (not the GLMM) with at least 2 studies, cumul(res) with the
#   studies in their given order, on the transformed scale, each step's estimate and CI back-transformed
#   as above with the totals of the studies in that step (for PFT, transf.ipft.hm with targs =
#   list(ni = ni[1:step]), as predict() on that step's fit; cumul's own transf takes one targs for all).
#
# Output (written next to this script)
#   metafor_pooled.csv : dataset, transform, method, test, k, estimate, ci_low, ci_high, pi_low, pi_high
#                        (proportion scale),
#                        est_transformed, se_transformed, tau2, i2 (percent, metafor's I2), q, q_p, error,
#                        warning (for GLMM, q and q_p are the Wald-type test for heterogeneity QE.Wld)
#   metafor_studies.csv: dataset, transform, method, test, study (1-based), events, total, yi, vi,
#                        weight (percent, weights(res); NA for GLMM), prop_ci_low, prop_ci_high
#                        (exact Clopper-Pearson, binom.test(x, n)$conf.int), error
#   metafor_cumul.csv  : dataset, transform, method, test, step (1..k: the fit on the first step studies),
#                        estimate, ci_low, ci_high (proportion scale), tau2 (0 for FE), i2 (percent)
#   write.csv writes doubles with 15 significant digits; missing values are empty fields.
#
# How to run (from the repository root)
#   Rscript tests/reference/metafor_reference.R
#
# The committed CSVs were produced with R 4.2.2 Patched (2022-11-10 r83330), metafor 3.8-1,
# lme4 1.1-31 (Debian packages r-base-core, r-cran-metafor).

suppressPackageStartupMessages(library(metafor))

# ---- where to write: the folder of this script (falls back to tests/reference under the cwd) ----
script_dir <- function() {
  file_arg <- sub("^--file=", "", grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE))
  if (length(file_arg) == 1L) return(dirname(normalizePath(file_arg)))
  if (dir.exists(file.path("tests", "reference"))) return(normalizePath(file.path("tests", "reference")))
  stop("Run as: Rscript tests/reference/metafor_reference.R (from the repository root)")
}
out_dir <- script_dir()

# ---- data sets: events / totals ----
datasets <- list(
  seed_sae      = list(xi = c(0, 0),               ni = c(19, 7)),
  zero_some     = list(xi = c(0, 2, 1, 5),         ni = c(19, 7, 13, 40)),
  all_events    = list(xi = c(12, 8, 20),          ni = c(12, 10, 20)),
  homogeneous   = list(xi = c(10, 12, 9, 11),      ni = c(40, 45, 38, 42)),
  heterogeneous = list(xi = c(2, 15, 30, 4, 45),   ni = c(50, 40, 60, 80, 70)),
  pritz1997     = list(xi = dat.pritz1997$xi,      ni = dat.pritz1997$ni),
  single        = list(xi = 10,                    ni = 19)
)

measures <- c(logit = "PLO", arcsine = "PAS", `freeman-tukey` = "PFT", raw = "PR")
methods <- c(FE = "EE", DL = "DL", REML = "REML")

back_transform <- function(measure, ni) {
  switch(measure,
    PLO = list(transf = transf.ilogit, targs = NULL),
    PAS = list(transf = transf.iarcsin, targs = NULL),
    PFT = list(transf = transf.ipft.hm, targs = list(ni = ni)),
    PR  = list(transf = NULL, targs = NULL))
}

one_line <- function(msg) gsub("[[:space:]]+", " ", msg)

# Evaluate `expr`; keep its value, all warning messages and an error message (if any).
capture <- function(expr) {
  warnings <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(msg = conditionMessage(e)), class = "fit_error")),
    warning = function(w) {
      warnings <<- c(warnings, one_line(conditionMessage(w)))
      invokeRestart("muffleWarning")
    })
  err <- if (inherits(value, "fit_error")) one_line(value$msg) else NA_character_
  list(value = if (is.na(err)) value else NULL, error = err,
       warning = if (length(warnings)) paste(unique(warnings), collapse = " | ") else NA_character_)
}

fit_one <- function(xi, ni, transform, method, test) {
  measure <- measures[[transform]]
  es <- escalc(measure = measure, xi = xi, ni = ni)
  res <- if (method == "GLMM") {
    rma.glmm(measure = "PLO", xi = xi, ni = ni)
  } else {
    rma(yi, vi, data = es, method = methods[[method]], test = test)
  }
  bt <- back_transform(measure, ni)
  pred <- if (is.null(bt$transf)) predict(res) else predict(res, transf = bt$transf, targs = bt$targs)
  list(es = es, res = res, pred = pred,
       weights = if (method == "GLMM") rep(NA_real_, length(xi)) else unname(weights(res)))
}

# cumul() on the transformed scale, each step's estimate and CI back-transformed with its own studies' totals
cumul_rows <- function(key, res, measure, ni) {
  cu <- suppressWarnings(cumul(res))
  back <- function(x, step) {
    bt <- back_transform(measure, ni[seq_len(step)])
    if (is.null(bt$transf)) x else bt$transf(x, targs = bt$targs)
  }
  steps <- seq_along(cu$estimate)
  cbind(key, step = steps, estimate = mapply(back, cu$estimate, steps), ci_low = mapply(back, cu$ci.lb, steps),
        ci_high = mapply(back, cu$ci.ub, steps), tau2 = if (is.null(cu$tau2)) 0 else cu$tau2, i2 = cu$I2)
}

pooled_rows <- list()
study_rows <- list()
cumul_rows_all <- list()
for (dataset in names(datasets)) {
  xi <- datasets[[dataset]]$xi
  ni <- datasets[[dataset]]$ni
  cp <- t(vapply(seq_along(xi), function(i) binom.test(xi[i], ni[i])$conf.int, numeric(2)))
  for (transform in names(measures)) {
    # escalc alone (never fails for these data) gives yi/vi even when the model fit fails
    es <- escalc(measure = measures[[transform]], xi = xi, ni = ni)
    for (method in c(names(methods), if (transform == "logit") "GLMM")) for (test in c("z", if (method != "GLMM") "knha")) {
      run <- capture(fit_one(xi, ni, transform, method, test))
      fit <- run$value
      ok <- !is.null(fit)
      res <- if (ok) fit$res else NULL
      pooled_rows[[length(pooled_rows) + 1L]] <- data.frame(
        dataset = dataset, transform = transform, method = method, test = test,
        k = if (ok) res$k else length(xi),
        estimate = if (ok) fit$pred$pred else NA_real_,
        ci_low = if (ok) fit$pred$ci.lb else NA_real_,
        ci_high = if (ok) fit$pred$ci.ub else NA_real_,
        pi_low = if (ok && method != "FE") fit$pred$pi.lb else NA_real_,
        pi_high = if (ok && method != "FE") fit$pred$pi.ub else NA_real_,
        est_transformed = if (ok) c(res$beta) else NA_real_,
        se_transformed = if (ok) res$se else NA_real_,
        tau2 = if (ok) res$tau2 else NA_real_,
        i2 = if (ok) res$I2 else NA_real_,
        q = if (!ok) NA_real_ else if (method == "GLMM") res$QE.Wld else res$QE,
        q_p = if (!ok) NA_real_ else if (method == "GLMM") res$QEp.Wld else res$QEp,
        error = run$error, warning = run$warning)
      study_rows[[length(study_rows) + 1L]] <- data.frame(
        dataset = dataset, transform = transform, method = method, test = test,
        study = seq_along(xi), events = xi, total = ni,
        yi = c(es$yi), vi = c(es$vi),
        weight = if (ok) fit$weights else NA_real_,
        prop_ci_low = cp[, 1], prop_ci_high = cp[, 2],
        error = run$error)
      if (ok && method != "GLMM" && res$k >= 2)
        cumul_rows_all[[length(cumul_rows_all) + 1L]] <- cumul_rows(
          data.frame(dataset = dataset, transform = transform, method = method, test = test), res,
          measures[[transform]], ni)
    }
  }
}

write_reference <- function(rows, name) {
  df <- do.call(rbind, rows)
  path <- file.path(out_dir, name)
  write.csv(df, path, row.names = FALSE, na = "")
  message("wrote ", path, " (", nrow(df), " rows)")
}
write_reference(pooled_rows, "metafor_pooled.csv")
write_reference(study_rows, "metafor_studies.csv")
write_reference(cumul_rows_all, "metafor_cumul.csv")
