"""Buying licences a site offers (issue 14 section 2): credentials, budget, the OLP token client.

:mod:`.credentials` holds the licensee's client credentials and says which licence server may
see them; :mod:`.budget` reserves money before anything is bought; :mod:`.olp` speaks the RSL
Open Licensing Protocol's token endpoint; :mod:`.broker` decides, per URL, whether a licence is
bought and which token is presented (Crawler Authorization Protocol). docs/crawler.md, Licences.
"""
