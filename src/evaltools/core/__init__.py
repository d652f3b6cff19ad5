"""The statistical core: panels of any units, designs, estimators and inference.

Nothing here knows about kommuner, Statistics Denmark or reports; ``evaltools.evaluation`` maps
a kommune and a catalogue outcome onto it.
"""
